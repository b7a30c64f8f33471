import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { publicAddressesOf, type ResolvedAddress } from './webhook-address';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface SendOutcome {
  /** The receiver's HTTP status; null when there was none (refused, timed out, private address). */
  statusCode: number | null;
  /** Why there was no status, as a short code (never the receiver's words: they are not ours to keep). */
  error: string | null;
  durationMs: number;
}

/**
 * POSTs one webhook. The host is resolved here, at delivery time, and (in production) refused
 * when any answer is private: a name that was public when the owner saved it may point inside
 * later (DNS rebinding). The connection then goes to the checked address itself, so a second
 * lookup cannot swap it. Redirects are not followed (a 3xx is an answer like any other), and
 * the whole exchange has ten seconds.
 */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string, opts: { allowPrivate: boolean }): Promise<SendOutcome> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): SendOutcome => ({ statusCode, error, durationMs: Date.now() - started });
  const target = new URL(url);
  let addresses: ResolvedAddress[];
  try {
    addresses = await publicAddressesOf(target.hostname, opts.allowPrivate);
  } catch (err) {
    return done(null, (err as { code?: string }).code === 'private-address' ? 'private-address' : 'dns-failure');
  }
  const chosen = addresses[0];
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (o: SendOutcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Undersigned-Webhooks/1' },
        lookup,
        agent: false,
      },
      (res) => {
        // Only the status counts: the answer's body is not read, and the connection is closed
        // (a receiver that streams forever holds nothing).
        finish(done(res.statusCode ?? null, null));
        res.destroy();
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(done(null, 'timeout'));
    }, WEBHOOK_TIMEOUT_MS);
    req.on('error', (err: NodeJS.ErrnoException) => finish(done(null, (err.code ?? 'connection-failed').toLowerCase().slice(0, 60))));
    req.end(body);
  });
}
