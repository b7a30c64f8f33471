import type { Response } from 'express';

/**
 * Headers for a page reached by a token in its path (confirmation, withdrawal, sign-in,
 * invitation): never stored by a browser or a proxy, and its address (the token) never sent on as
 * a Referer when the reader follows a link from it.
 */
export function tokenPageHeaders(res: Response): void {
  res.set('Cache-Control', 'no-store');
  res.set('Referrer-Policy', 'no-referrer');
}
