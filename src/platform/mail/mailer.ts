import path from 'node:path';
import ejs from 'ejs';
import type { Language } from '../web/languages';
import { projectPath } from '../paths';
import { tFor } from '../web/i18n';
import { MicroCache } from '../web/micro-cache';
import type { MailTransport } from './transport';

const EMAIL_VIEWS = projectPath('views', 'emails');

/** One message as a feature composes it: which template, its subject, what the template shows. */
export interface Message {
  /** A template under views/emails/: `<template>.html.ejs` and `<template>.text.ejs`. */
  template: string;
  subject: string;
  locals: object;
  headers?: Record<string, string>;
}

/**
 * A message that is the same for many recipients but for a few links (a confirmation on a viral
 * day): rendered once per `key` every two seconds, each recipient's links put into the rendering.
 * `links` maps a placeholder address, which the template receives in its place, to the real one.
 * A placeholder must read the same escaped for HTML, in a URL and in quoted-printable's input
 * (plain `https://links.invalid/<word>`), so the rendering holds it exactly as written.
 */
export interface SharedMessage extends Message {
  key: string;
  links: Record<string, string>;
  /**
   * Placeholders for plain text that differs per recipient (a name), put in as they are into the
   * text part and escaped for HTML into the HTML part. Same shape of placeholder as `links`.
   */
  texts?: Record<string, string>;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** RFC 8058 one-click unsubscribe: mail clients POST to the https link with no cookie. */
export function listUnsubscribe(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * Renders templates from views/emails/ in the recipient's language (`t` and `lang` are given to
 * every template) and hands the result to the transport. It knows no message: each feature owns
 * its emails (template, subject, links) and calls `send`.
 */
export class Mailer {
  private readonly shells = new MicroCache<{ html: string; text: string }>(2_000);

  constructor(private readonly transport: MailTransport) {}

  async render(template: string, lang: Language, locals: object) {
    const data = { ...locals, t: tFor(lang), lang };
    // Compiled once per template (ejs keeps it by file name): the outbox sends hundreds a second.
    const [html, text] = await Promise.all([
      ejs.renderFile(path.join(EMAIL_VIEWS, `${template}.html.ejs`), data, { async: false, cache: true }),
      ejs.renderFile(path.join(EMAIL_VIEWS, `${template}.text.ejs`), data, { async: false, cache: true }),
    ]);
    return { html, text: text.replace(/\n{3,}/g, '\n\n') };
  }

  async send(to: string, lang: Language, m: Message): Promise<void> {
    const body = await this.render(m.template, lang, { ...m.locals, subject: m.subject });
    await this.transport.send({ to, subject: m.subject, headers: m.headers, ...body });
  }

  async sendShared(to: string, lang: Language, m: SharedMessage): Promise<void> {
    const shell = await this.shells.get(`${m.template}\n${lang}\n${m.key}`, () =>
      this.render(m.template, lang, { ...m.locals, subject: m.subject }),
    );
    const fill = (rendered: string, html: boolean) => {
      const linked = Object.entries(m.links).reduce((out, [mark, url]) => out.replaceAll(mark, url), rendered);
      return Object.entries(m.texts ?? {}).reduce(
        (out, [mark, text]) => out.replaceAll(mark, () => (html ? escapeHtml(text) : text)),
        linked,
      );
    };
    await this.transport.send({
      to,
      subject: m.subject,
      headers: m.headers,
      html: fill(shell.html, true),
      text: fill(shell.text, false),
    });
  }
}
