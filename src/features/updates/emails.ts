import type { Language } from '../../platform/web/languages';
import { tFor } from '../../platform/web/i18n';
import { listUnsubscribe, type Message } from '../../platform/mail/mailer';
import type { LetterRef } from '../signatures';

/** What every message to a signer who asked for updates carries: their name, the letter, the two links. */
export interface SignerMail {
  name: string;
  letter: LetterRef;
  unsubscribeUrl: string;
  withdrawUrl: string;
  mySignaturesUrl: string;
}

/** An organiser's update, written once; the greeting, footer and links speak the signer's language. */
export function letterUpdateEmail(p: SignerMail & { subject: string; bodyHtml: string; bodyText: string }): Message {
  return { template: 'letter-update', subject: p.subject, locals: p, headers: listUnsubscribe(p.unsubscribeUrl) };
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
