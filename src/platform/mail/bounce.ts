/**
 * Whether an SMTP error says the recipient's address will never take mail: a 5xx reply to
 * RCPT TO (nodemailer reports a refused envelope as EENVELOPE with the server's reply code).
 * A 4xx is temporary and is retried. Policy refusals (enhanced status 5.7.x: relaying denied,
 * authentication required, a block on our sender) are about us, not the address, so they are
 * retried too rather than marking every signer's address as dead.
 */
export function isPermanentRecipientFailure(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { responseCode?: unknown; command?: unknown; code?: unknown; response?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : NaN;
  if (!(code >= 500 && code < 600)) return false;
  if (e.command !== 'RCPT TO' && e.code !== 'EENVELOPE') return false;
  const reply = typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : '';
  return !/\b5\.7\.\d{1,3}\b/.test(reply);
}
