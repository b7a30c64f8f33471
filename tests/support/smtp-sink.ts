import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: ParsedMail['headers'];
}

/**
 * A real SMTP server in the test process. Messages travel over TCP through nodemailer and are
 * parsed back with mailparser, exactly as a mail server would receive them.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private server: SMTPServer;
  private refusing = false;
  private refusedRecipient: ((address: string) => boolean) | null = null;
  private deferredRecipient: ((address: string) => boolean) | null = null;
  port = 0;

  constructor() {
    this.server = this.create();
  }

  private create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, cb) => (this.refusing ? cb(new Error('421 service not available')) : cb()),
      // A mailbox that does not exist: answered the way Postfix does, quoting the address.
      // A mailbox over quota for now: a temporary 450, as Postfix answers it; the sender retries.
      onRcptTo: (address, _session, cb) => {
        if (this.deferredRecipient?.(address.address)) {
          return cb(
            Object.assign(
              new Error(`4.2.1 <${address.address}>: Recipient address rejected: Mailbox temporarily unavailable`),
              { responseCode: 450 },
            ),
          );
        }
        if (!this.refusedRecipient?.(address.address)) return cb();
        cb(
          Object.assign(
            new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`),
            { responseCode: 550 },
          ),
        );
      },
      onData: (stream, _session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
            this.messages.push({
              to: (to ?? '').toLowerCase(),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              headers: mail.headers,
            });
            cb();
          })
          .catch(cb);
      },
    });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Refuse every new connection (a mail server that is down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Refuse RCPT TO for the addresses `which` matches (550, with the address in the reply); null stops. */
  refuseRecipient(which: ((address: string) => boolean) | null): void {
    this.refusedRecipient = which;
  }

  /** Answer RCPT TO for the addresses `which` matches with a temporary failure (450); null stops. */
  deferRecipient(which: ((address: string) => boolean) | null): void {
    this.deferredRecipient = which;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to === address.toLowerCase());
  }

  async waitFor(address: string, count = 1, timeoutMs = 15000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const got = this.to(address);
      if (got.length >= count) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`expected ${count} message(s) to ${address}, got ${this.to(address).length}`);
  }
}

export function linkFrom(mail: ReceivedMail, pathPrefix: string): string {
  const match = mail.text.match(new RegExp(`https?://[^\\s]+${pathPrefix.replace(/\//g, '\\/')}[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no ${pathPrefix} link in: ${mail.text}`);
  return match[0];
}
