import path from 'node:path';
import ejs from 'ejs';
import type { Language } from '../web/languages';
import { projectPath } from '../paths';
import { tFor } from '../web/i18n';
import { MicroCache } from '../web/micro-cache';
import type { MailTransport } from './transport';

const EMAIL_VIEWS = projectPath('views', 'emails');

interface LetterRef {
  title: string;
  url: string;
}

/**
 * The page where a signer finds every signature of their address ("my signatures"), named in the
 * foot of every email about a signature. Its address is the site's, read from the letter's link.
 */
function mySignaturesUrl(letterUrl: string, lang: Language): string {
  const url = new URL(letterUrl);
  const site = url.pathname.replace(/\/letters\/[^/]*$/, '');
  return `${url.origin}${site}/my-signatures?lang=${lang}`;
}

async function render(template: string, lang: Language, locals: Record<string, unknown>) {
  const t = tFor(lang);
  const letter = locals.letter as Partial<LetterRef> | undefined;
  const data = { ...locals, t, lang, mySignaturesUrl: letter?.url ? mySignaturesUrl(letter.url, lang) : null };
  // Compiled once per template (ejs keeps it by file name): the outbox sends hundreds a second.
  const [html, text] = await Promise.all([
    ejs.renderFile(path.join(EMAIL_VIEWS, `${template}.html.ejs`), data, { async: false, cache: true }),
    ejs.renderFile(path.join(EMAIL_VIEWS, `${template}.text.ejs`), data, { async: false, cache: true }),
  ]);
  return { html, text: text.replace(/\n{3,}/g, '\n\n') };
}

/**
 * Where the two links of a confirmation email go in its shared rendering: addresses whose every
 * character is the same escaped for HTML, in a URL, and in quoted-printable's input, so the
 * rendering holds them exactly as written.
 */
const CONFIRM_MARK = 'https://links.invalid/confirm-link-4d1c9e';
const WITHDRAW_MARK = 'https://links.invalid/withdraw-link-4d1c9e';

/**
 * The confirmation email of one letter in one language is the same for every signer but for its
 * two links, and on a viral day the worker sends hundreds a second: it is rendered once per two
 * seconds per letter, language and kind, and each message gets its own links put in.
 */
const confirmShells = new MicroCache<{ html: string; text: string }>(2_000);

function withLinks(rendered: string, confirmUrl: string, withdrawUrl: string): string {
  return rendered.replaceAll(CONFIRM_MARK, confirmUrl).replaceAll(WITHDRAW_MARK, withdrawUrl);
}

interface UpdateMail {
  name: string;
  letter: LetterRef;
  bodyHtml: string;
  bodyText: string;
  unsubscribeUrl: string;
  withdrawUrl: string;
}

export interface OwnerDigestMail {
  name: string;
  date: string;
  letters: Array<{
    title: string;
    url: string;
    newSignatures: number;
    started: number;
    verificationRate: number | null;
    total: number;
    goal: number | null;
    milestones: number[];
  }>;
  settingsUrl: string;
  unsubscribeUrl: string;
}

/** RFC 8058 one-click unsubscribe: mail clients POST to the https link with no cookie. */
function listUnsubscribe(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** One function per message: typed inputs, HTML and text from views/emails/, in the signer's language. */
export class Mailer {
  constructor(private readonly transport: MailTransport) {}

  /**
   * No name in it: the name is text anyone can type into the form with anyone's address, so it
   * would carry a stranger's words into the inbox. The page behind the link shows it instead.
   */
  async confirmSignature(
    to: string,
    lang: Language,
    p: { letter: LetterRef; confirmUrl: string; withdrawUrl: string; expiresHours: number; reminder: boolean },
  ) {
    const t = tFor(lang);
    const subject = t(p.reminder ? 'email.reminder.subject' : 'email.confirm.subject', { title: p.letter.title });
    const shell = await confirmShells.get(
      `${lang}\n${p.reminder}\n${p.expiresHours}\n${p.letter.url}\n${p.letter.title}`,
      () => render('confirm', lang, { ...p, subject, confirmUrl: CONFIRM_MARK, withdrawUrl: WITHDRAW_MARK }),
    );
    await this.transport.send({
      to,
      subject,
      html: withLinks(shell.html, p.confirmUrl, p.withdrawUrl),
      text: withLinks(shell.text, p.confirmUrl, p.withdrawUrl),
    });
  }

  async alreadySigned(to: string, lang: Language, p: { name: string; letter: LetterRef; withdrawUrl: string }) {
    const subject = tFor(lang)('email.already.subject', { title: p.letter.title });
    await this.transport.send({ to, subject, ...(await render('already-signed', lang, { ...p, subject })) });
  }

  async manageSignature(to: string, lang: Language, p: { name: string; letter: LetterRef; withdrawUrl: string }) {
    const subject = tFor(lang)('email.manage.subject', { title: p.letter.title });
    await this.transport.send({ to, subject, ...(await render('manage', lang, { ...p, subject })) });
  }

  /** The link to every signature of one address (my-signatures' catalogue); no name, no letter in it. */
  async mySignaturesLink(to: string, lang: Language, p: { url: string; expiresHours: number }) {
    const subject = tFor(lang)('mySignatures.email.subject');
    await this.transport.send({ to, subject, ...(await render('my-signatures', lang, { ...p, subject })) });
  }

  /** An organiser's single-use sign-in link (organisers' catalogue). */
  async organiserSignIn(to: string, lang: Language, p: { name: string; signInUrl: string; expiresMinutes: number }) {
    const subject = tFor(lang)('organisers.email.signIn.subject');
    await this.transport.send({ to, subject, ...(await render('organiser-sign-in', lang, { ...p, subject })) });
  }

  /** An invitation to join a letter's team; nothing happens unless the invitee presses Accept on its page. */
  async teamInvitation(
    to: string,
    lang: Language,
    p: {
      inviterName: string;
      letterTitle: string;
      role: 'owner' | 'editor';
      invitationUrl: string;
      expiresDays: number;
    },
  ) {
    const subject = tFor(lang)('organisers.email.invitation.subject', { title: p.letterTitle });
    await this.transport.send({ to, subject, ...(await render('team-invitation', lang, { ...p, subject })) });
  }

  /** An organiser's update, written once; the greeting, footer and links speak the signer's language. */
  async letterUpdate(to: string, lang: Language, p: UpdateMail & { subject: string }) {
    await this.transport.send({
      to,
      subject: p.subject,
      headers: listUnsubscribe(p.unsubscribeUrl),
      ...(await render('letter-update', lang, { ...p })),
    });
  }

  /** The official response to a delivered letter, sent to the signers who asked for updates. */
  async officialResponse(to: string, lang: Language, p: UpdateMail & { date: string; link: string | null }) {
    const subject = tFor(lang)('updates.email.response.subject', { title: p.letter.title });
    await this.transport.send({
      to,
      subject,
      headers: listUnsubscribe(p.unsubscribeUrl),
      ...(await render('official-response', lang, { ...p, subject })),
    });
  }

  /**
   * The text a signer signed was changed (versions' catalogue): the differences and the way to
   * withdraw. Their signature stays unless they do.
   */
  async textChanged(
    to: string,
    lang: Language,
    p: Omit<UpdateMail, 'bodyHtml' | 'bodyText'> & {
      changedOn: string;
      signedVersion: number;
      newVersion: number;
      diffUrl: string;
    },
  ) {
    const subject = tFor(lang)('versions.email.subject', { title: p.letter.title });
    await this.transport.send({
      to,
      subject,
      headers: listUnsubscribe(p.unsubscribeUrl),
      ...(await render('text-changed', lang, { ...p, subject })),
    });
  }

  /**
   * A letter's owner made a link for this addressee (recipients' catalogue): the letter as
   * delivered, its list, and the way to answer. No unsubscribe: it is one message, sent on purpose.
   */
  async recipientLink(
    to: string,
    lang: Language,
    p: { name: string; letterTitle: string; deliveredOn: string; linkUrl: string; expiresOn: string },
  ) {
    const subject = tFor(lang)('recipients.email.subject', { title: p.letterTitle });
    await this.transport.send({ to, subject, ...(await render('recipient-link', lang, { ...p, subject })) });
  }

  /** An owner's daily digest: one email for all the letters they own. */
  async ownerDigest(to: string, lang: Language, p: OwnerDigestMail) {
    const subject = tFor(lang)('updates.email.digest.subject', { date: p.date });
    await this.transport.send({
      to,
      subject,
      headers: listUnsubscribe(p.unsubscribeUrl),
      ...(await render('owner-digest', lang, { ...p, subject })),
    });
  }
}
