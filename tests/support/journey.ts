import type { Express } from 'express';
import request from 'supertest';
import { linkFrom, type SmtpSink } from './smtp-sink';
import { browser } from './test-app';

/**
 * The signer's journey, as a person makes it: `sign()` fills in the letter's form, `confirm()` opens
 * the emailed link and presses its button (`confirmByLink()` when the test holds the link itself).
 */

export interface SignOptions {
  /** The interface language: `?lang=` on the letter page and on the form's action. */
  lang?: string;
  /** The signer's network as the proxy reports it (X-Forwarded-For, on the POST): the app must trust it (TRUST_PROXY). */
  ip?: string;
  /** The browser to sign in (its cookies come along and stay); left out, a fresh one. */
  browser?: ReturnType<typeof browser>;
}

/**
 * Signs the letter `slug` with `form` (see `signForm()`): a fresh browser reads the letter page,
 * takes the CSRF token from its form and posts the form with it. Answers the POST's response
 * (303 to the check-your-email page when it is taken); it does not follow the redirect.
 */
export async function sign(
  app: Express,
  slug: string,
  form: Record<string, string>,
  opts: SignOptions = {},
): Promise<request.Response> {
  const q = opts.lang ? `?lang=${encodeURIComponent(opts.lang)}` : '';
  const b = opts.browser ?? browser(app);
  const csrf = await b.csrfFrom(`/letters/${slug}${q}`);
  const post = b.agent.post(`/letters/${slug}/sign${q}`).type('form');
  if (opts.ip) post.set('X-Forwarded-For', opts.ip);
  return post.send({ ...form, _csrf: csrf });
}

export interface ConfirmOptions extends ConfirmByLinkOptions {
  /** Waits for this many emails to the address and follows the link in the last; 1 unless told. */
  emails?: number;
  /** How long to wait for them; 15 s unless told. */
  timeoutMs?: number;
}

/**
 * Confirms `email`'s signature the way its owner does: waits for the confirmation email, opens
 * its link and presses "Confirm my signature" (or "This wasn't me", `notMe`). Answers as
 * `confirmByLink()` does.
 */
export async function confirm(
  t: { app: Express; smtp: SmtpSink },
  email: string,
  opts: ConfirmOptions = {},
): Promise<request.Response> {
  const { emails = 1, timeoutMs, ...byLink } = opts;
  const mails = await t.smtp.waitFor(email, emails, timeoutMs);
  return confirmByLink(t.app, linkFrom(mails[mails.length - 1], '/s/confirm/'), byLink);
}

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
