import type { Express } from 'express';
import request from 'supertest';

export interface ConfirmByLinkOptions {
  /** How the name appears, as chosen on the page; left out, the choice made when signing stands. */
  visibility?: 'public' | 'initials' | 'private';
  /** Press "This wasn't me" instead of "Confirm my signature". */
  notMe?: boolean;
  /** Sent with both requests, e.g. `x-forwarded-for` for a network origin of its own. */
  headers?: Record<string, string>;
}

/**
 * Opens an emailed confirmation link the way a person does: GET the page, then press its button,
 * a POST carrying the page's CSRF token and the cookie the page set (and nothing else). Answers
 * the POST's response; when the page has no button (an unknown or expired link, a signature
 * already confirmed) it answers the GET's response instead.
 *
 * `target` is the app (driven in process, a fresh client with no cookies), the base URL of a
 * running process, or a supertest agent whose cookies (the interface language, say) the
 * signer's browser would carry. For the first two the cookie is carried by hand rather than by a
 * jar, so a production-mode process's Secure `__Host-csrf` cookie works over plain http too.
 */
export async function confirmByLink(
  target: Express | string | request.Agent,
  link: string,
  opts: ConfirmByLinkOptions = {},
): Promise<request.Response> {
  const path = link.startsWith('/') ? link : `${new URL(link).pathname}${new URL(link).search}`;
  const headers = opts.headers ?? {};
  const fresh = typeof target === 'string' || typeof target === 'function';
  const client = (): request.Agent =>
    typeof target === 'string' || typeof target === 'function' ? request(target) : target;
  const page = await client().get(path).set(headers);
  const forms = [...page.text.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find(([, action]) => /\/not-me(\?|$)/.test(action.replace(/&amp;/g, '&')) === !!opts.notMe);
  if (page.status !== 200 || !form) return page;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form[2])?.[1];
  if (!csrf) throw new Error(`no CSRF token in the form on ${path}`);
  const cookie = ([] as string[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const body: Record<string, string> = { _csrf: csrf };
  if (opts.visibility && !opts.notMe) body.visibility = opts.visibility;
  return client()
    .post(form[1].replace(/&amp;/g, '&'))
    .set(fresh ? { ...headers, cookie } : headers)
    .type('form')
    .send(body);
}
