/**
 * The form of an address used to decide "is this the same person signing again?".
 * Mail still goes to the address as typed; this only closes the obvious duplicates:
 * case, surrounding spaces, and for Gmail the dots and +tags that Gmail itself ignores.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at < 1) return email;
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    domain = 'gmail.com';
    local = local.split('+')[0].replace(/\./g, '');
  }
  return `${local}@${domain}`;
}

export function emailDomain(email: string): string {
  return normaliseEmail(email).split('@')[1] ?? '';
}
