import nodemailer from 'nodemailer';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * Real SMTP, pooled: long-lived connections carry every message, one for each job the worker
 * runs at once (`connections`, WORKER_CONCURRENCY), so no job waits for another's connection.
 * Options in the URL's query (?pool=true&maxConnections=…) win.
 */
export function smtpTransport(url: string, from: string, connections = 5): MailTransport {
  const transporter = nodemailer.createTransport(
    url.includes('?') ? url : `${url}?pool=true&maxConnections=${connections}`,
  );
  return {
    async send(mail) {
      await transporter.sendMail({ from, ...mail });
    },
    close: () => transporter.close(),
  };
}

/**
 * Outside production with no SMTP server: messages are kept in the database (so every process
 * shares one mailbox) and shown at /dev/mailbox; links are logged so a newcomer can click them.
 */
export function devMailboxTransport(db: DataSource, log: Logger): MailTransport {
  return {
    async send(mail) {
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO dev_mailbox (recipient, subject, text_body, html_body, headers) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [mail.to, mail.subject, mail.text, mail.html, JSON.stringify(mail.headers ?? {})],
      );
      // Development only: the recipient is not logged, the message is one click away.
      log.info({ mailboxId: row?.id }, `development mailbox: new message, open /dev/mailbox/${row?.id}`);
    },
    close: () => undefined,
  };
}
