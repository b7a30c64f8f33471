import { LANGUAGES } from '../../core/letters/letter.entity';

/** RFC 9116 wants Expires less than a year ahead; the file is made per request, so it never goes stale. */
const EXPIRES_AFTER_DAYS = 180;

/**
 * /.well-known/security.txt (RFC 9116): whom to tell about a vulnerability. The contact comes
 * from SECURITY_CONTACT; Expires is counted from the start of the current day, so the file is
 * the same all day and caches agree.
 */
export function renderSecurityTxt(opts: { baseUrl: string; contact: string }, now = new Date()): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const expires = new Date(today + EXPIRES_AFTER_DAYS * 86400_000);
  return [
    `Contact: ${opts.contact}`,
    `Expires: ${expires.toISOString()}`,
    `Canonical: ${opts.baseUrl}/.well-known/security.txt`,
    `Preferred-Languages: ${LANGUAGES.join(', ')}`,
    '',
  ].join('\n');
}
