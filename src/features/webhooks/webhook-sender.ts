import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { publicAddressesOf, type ResolvedAddress } from './webhook-address';

/** The whole delivery (name lookup, connection, TLS, request and the answer's status line) has this long. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A receiver that does not accept the connection within this is not waited for. */
export const WEBHOOK_CONNECT_TIMEOUT_MS = 3_000;

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
 * lookup cannot swap it. Redirects are not followed (a 3xx is an answer like any other). The
 * connection has three seconds, and the whole exchange, the name's lookup included, ten.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { allowPrivate: boolean },
): Promise<SendOutcome> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): SendOutcome => ({
    statusCode,
    error,
    durationMs: Date.now() - started,
  });
  const target = new URL(url);
  let addresses: ResolvedAddress[];
  let lookupTimer: NodeJS.Timeout | undefined;
  try {
    // The system resolver cannot be cancelled: a lookup that hangs is left behind, not waited for.
    const timedOut = new Promise<never>((_, reject) => {
      lookupTimer = setTimeout(
        () => reject(Object.assign(new Error('timeout'), { code: 'timeout' })),
        WEBHOOK_TIMEOUT_MS,
      );
    });
    addresses = await Promise.race([publicAddressesOf(target.hostname, opts.allowPrivate), timedOut]);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return done(null, code === 'private-address' ? 'private-address' : code === 'timeout' ? 'timeout' : 'dns-failure');
  } finally {
    clearTimeout(lookupTimer);
  }
  const chosen = addresses[0];
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const finish = (o: SendOutcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        clearTimeout(connectTimer);
        resolve(o);
      }
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Undersigned-Webhooks/1',
        },
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
    const timer = setTimeout(
      () => {
        req.destroy();
        finish(done(null, 'timeout'));
      },
      Math.max(0, WEBHOOK_TIMEOUT_MS - (Date.now() - started)),
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => {
        req.destroy();
        finish(done(null, 'connect-timeout'));
      }, WEBHOOK_CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(done(null, (err.code ?? 'connection-failed').toLowerCase().slice(0, 60))),
    );
    req.end(body);
  });
}
