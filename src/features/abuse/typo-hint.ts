import { run } from '@zootools/email-spell-checker';
import { PUBLIC_MAIL_PROVIDERS } from './mail-providers';

const DOMAINS = [...PUBLIC_MAIL_PROVIDERS];

/**
 * "Did you mean …@gmail.com?" for an address whose domain looks like a slip of the finger on a
 * big provider's name (gmial.com, ukr.nte). Only well-known providers are ever suggested: a
 * hint towards an unknown domain would be a guess, and an unusual domain that is real must
 * never be questioned.
 */
export function suggestEmail(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const domain = email.slice(at + 1).toLowerCase();
  if (PUBLIC_MAIL_PROVIDERS.has(domain)) return null;
  const suggested = suggestedDomain(domain);
  return suggested ? `${email.slice(0, at)}@${suggested}` : null;
}

/** The answer depends on the domain alone, and on a busy day thousands of signers share a domain. */
const byDomain = new Map<string, string | null>();
const BY_DOMAIN_MAX = 10_000;

function suggestedDomain(domain: string): string | null {
  const known = byDomain.get(domain);
  if (known !== undefined) return known;
  const suggestion = run({ email: `x@${domain}`, domains: DOMAINS, secondLevelDomains: [], topLevelDomains: [] });
  const found = suggestion?.domain.toLowerCase() ?? null;
  const answer = found && PUBLIC_MAIL_PROVIDERS.has(found) ? found : null;
  if (byDomain.size >= BY_DOMAIN_MAX) byDomain.clear();
  byDomain.set(domain, answer);
  return answer;
}

export type EmailDecision = { kind: 'final'; email: string } | { kind: 'hint'; typed: string; suggestion: string };

/**
 * Whether a sign form with this address is final or first shows "Did you mean …?". The hint is
 * shown once per typed address: the re-rendered form carries `emailHintFor` (the address the hint
 * was shown for), and its buttons say which address to keep (`emailChoice`: suggested | typed).
 * Submitting the same address again keeps it as typed; the suggestion is recomputed here, never
 * taken from the form.
 */
export function decideEmail(email: string, body: unknown): EmailDecision {
  const fields = (body ?? {}) as Record<string, unknown>;
  const suggestion = suggestEmail(email);
  if (!suggestion) return { kind: 'final', email };
  if (fields.emailHintFor === email) {
    return { kind: 'final', email: fields.emailChoice === 'suggested' ? suggestion : email };
  }
  return { kind: 'hint', typed: email, suggestion };
}
