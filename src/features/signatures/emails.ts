import type { Language } from '../../platform/web/languages';
import { tFor } from '../../platform/web/i18n';
import type { SharedMessage, Message } from '../../platform/mail/mailer';

/** The letter an email is about, in the recipient's language. */
export interface LetterRef {
  title: string;
  url: string;
}

/**
 * The page where a signer finds every signature of their address ("my signatures", mounted by the
 * my-signatures feature), named in the foot of every email about a signature.
 */
export function mySignaturesUrl(baseUrl: string, lang: Language): string {
  return `${baseUrl}/my-signatures?lang=${lang}`;
}

/** Placeholders for the two links of a confirmation, put in after its shared rendering. */
const CONFIRM_MARK = 'https://links.invalid/confirm-link-4d1c9e';
const WITHDRAW_MARK = 'https://links.invalid/withdraw-link-4d1c9e';

/**
 * The confirmation (or its reminder). No name in it: the name is text anyone can type into the
 * form with anyone's address, so it would carry a stranger's words into the inbox; the page behind
 * the link shows it instead. The same for every signer of a letter in a language but for its two
 * links, so it is rendered once for all of them (the worker sends hundreds a second on a viral day).
 */
export function confirmationEmail(
  lang: Language,
  p: {
    letter: LetterRef;
    confirmUrl: string;
    withdrawUrl: string;
    expiresHours: number;
    reminder: boolean;
    mySignaturesUrl: string;
  },
): SharedMessage {
  const subject = tFor(lang)(p.reminder ? 'email.reminder.subject' : 'email.confirm.subject', {
    title: p.letter.title,
  });
  return {
    template: 'confirm',
    subject,
    key: `${p.reminder}\n${p.expiresHours}\n${p.letter.url}\n${p.letter.title}`,
    locals: { ...p, confirmUrl: CONFIRM_MARK, withdrawUrl: WITHDRAW_MARK },
    links: { [CONFIRM_MARK]: p.confirmUrl, [WITHDRAW_MARK]: p.withdrawUrl },
  };
}

/** Someone signed again with a confirmed address: the signer hears of it, nothing changes. */
export function alreadySignedEmail(
  lang: Language,
  p: { name: string; letter: LetterRef; withdrawUrl: string; mySignaturesUrl: string },
): Message {
  return {
    template: 'already-signed',
    subject: tFor(lang)('email.already.subject', { title: p.letter.title }),
    locals: p,
  };
}

/** A confirmed signer asked for their withdrawal link again. */
export function manageEmail(
  lang: Language,
  p: { name: string; letter: LetterRef; withdrawUrl: string; mySignaturesUrl: string },
): Message {
  return {
    template: 'manage',
    subject: tFor(lang)('email.manage.subject', { title: p.letter.title }),
    locals: p,
  };
}
