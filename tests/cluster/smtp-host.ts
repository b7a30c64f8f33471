import http from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The SMTP sink of the cluster test, run as a process on a host (network namespace) of its own:
 * accepts every message on port 25 and lists what it received as JSON on port 8025.
 */
const messages: Array<{ to: string; text: string }> = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData: (stream, _session, cb) => {
    simpleParser(stream)
      .then((mail) => {
        const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        messages.push({ to: (to ?? '').toLowerCase(), text: mail.text ?? '' });
        cb();
      })
      .catch(cb);
  },
});
smtp.on('error', () => undefined);
smtp.listen(25, '0.0.0.0');
http
  .createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(messages));
  })
  .listen(8025, '0.0.0.0');
