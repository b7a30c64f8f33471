import type { Language } from '../../platform/web/languages';
import { tFor } from '../../platform/web/i18n';
import { listUnsubscribe, type Message, type SharedMessage } from '../../platform/mail/mailer';
import type { LetterRef } from '../signatures';

/** What every message to a signer who asked for updates carries: their name, the letter, the two links. */
export interface SignerMail {
  name: string;
  letter: LetterRef;
  unsubscribeUrl: string;
  withdrawUrl: string;
  mySignaturesUrl: string;
}

/** Placeholders of an update's shared rendering: the signer's name and their two links. */
const NAME_MARK = 'https://links.invalid/signer-name-7b2e41';
const UNSUBSCRIBE_MARK = 'https://links.invalid/unsubscribe-link-7b2e41';
const WITHDRAW_MARK = 'https://links.invalid/withdraw-link-7b2e41';

/**
 * An organiser's update in one of its versions; the greeting, footer and links speak the signer's
 * language. The same for every signer of a version and a language but for the name and two
 * links, so it is rendered once for all of them (`key`: the update, its version, the letter's
 * title and address in the signer's language) and each message gets its own put in.
 */
export function letterUpdateEmail(
  p: SignerMail & { updateId: string; version: string; subject: string; bodyHtml: string; bodyText: string },
): SharedMessage {
  return {
    template: 'letter-update',
    subject: p.subject,
    key: `${p.updateId}\n${p.version}\n${p.letter.url}\n${p.letter.title}\n${p.mySignaturesUrl}`,
    locals: { ...p, name: NAME_MARK, unsubscribeUrl: UNSUBSCRIBE_MARK, withdrawUrl: WITHDRAW_MARK },
    links: { [UNSUBSCRIBE_MARK]: p.unsubscribeUrl, [WITHDRAW_MARK]: p.withdrawUrl },
    texts: { [NAME_MARK]: p.name },
    headers: listUnsubscribe(p.unsubscribeUrl),
  };
}

/** The official response to a delivered letter, sent to the signers who asked for updates. */
export function officialResponseEmail(
  lang: Language,
  p: SignerMail & { date: string; bodyHtml: string; bodyText: string; link: string | null },
): Message {
  return {
    template: 'official-response',
    subject: tFor(lang)('updates.email.response.subject', { title: p.letter.title }),
    locals: p,
    headers: listUnsubscribe(p.unsubscribeUrl),
  };
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

/** An owner's daily digest: one email for all the letters they own. */
export function ownerDigestEmail(lang: Language, p: OwnerDigestMail): Message {
  return {
    template: 'owner-digest',
    subject: tFor(lang)('updates.email.digest.subject', { date: p.date }),
    locals: p,
    headers: listUnsubscribe(p.unsubscribeUrl),
  };
}
