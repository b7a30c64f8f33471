import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { AppError, Forbidden, NotFound, RateLimited } from './errors';

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(new NotFound());

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
}

// SQLSTATEs of text PostgreSQL cannot store: a NUL byte (22021 in a text value, 22P05 in jsonb).
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

// Socket errors of a connection to PostgreSQL, and SQLSTATEs of a server that is going away or not
// yet there: class 08 (connection exception), 57P01-57P03 (shut down, crashed, starting up), 53300.
const UNAVAILABLE_CODES =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|08\w{3}|57P0[123]|53300)$/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|terminating connection|Client has encountered a connection error|Connection ended unexpectedly/i;

/** Whether an error (as thrown by pg, or wrapped by TypeORM) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e = err as (HttpishError & { name?: string; message?: string; driverError?: unknown }) | undefined, depth = 0;
    e && depth < 3;
    depth++
  ) {
    if (e.name === 'QueryRunnerAlreadyReleasedError') return true; // its connection was lost mid-request
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.test(e.code)) return true;
    if (UNAVAILABLE_MESSAGES.test(String(e.message ?? ''))) return true;
    e = e.driverError as typeof e;
  }
  return false;
}

/** Maps errors from Express's own parsers and from csrf-csrf onto our typed errors. */
function classify(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpishError;
  if (e.code === 'EBADCSRFTOKEN') return new AppError(403, 'bad_csrf', 'errors.csrf');
  if (e.type === 'entity.too.large') return new AppError(413, 'too_large', 'errors.tooLarge');
  if (e.type === 'entity.parse.failed' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new AppError(400, 'bad_request', 'errors.badRequest');
  }
  if (e.type === 'parameters.too.many') return new AppError(413, 'too_large', 'errors.tooLarge');
  // Forms refuse control characters field by field; one that reaches the database anyway (a
  // path or a parameter no form checks) is still the sender's mistake, not a 500.
  const driverCode = (err as { driverError?: { code?: string } } | null)?.driverError?.code;
  if (UNSTORABLE_TEXT_CODES.has(driverCode ?? e.code ?? ''))
    return new AppError(422, 'bad_request', 'form.errors.controlCharacters');
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) return new AppError(status, 'bad_request', 'errors.badRequest');
  // A database that is not there answers 503, so a load balancer and a person both know to retry.
  if (isDatabaseUnavailable(err)) return new AppError(503, 'unavailable', 'errors.unavailable');
  return null;
}

/** One place turns every error into a page or JSON; nobody sees a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = classify(err);
    const status = known?.status ?? 500;
    // The logger's `err` serializer keeps class, code and scrubbed message: never SQL, parameters or detail.
    if (!known) log.error({ err, reqId: req.id }, 'unhandled error');
    // Only a 503 is an outage; a 501 (an oEmbed size or format we do not offer) is a plain answer.
    else if (status === 503) log.warn({ code: known.code, reqId: req.id }, 'service unavailable');
    if (res.headersSent) return res.end();
    if (known instanceof RateLimited) res.set('Retry-After', String(known.retryAfterSeconds));
    if (status === 503) res.set('Retry-After', '5');
    const t = req.t ?? ((k: string) => k);
    const message = t(known?.messageKey ?? 'errors.internal', known?.details);
    const reason = known instanceof Forbidden && known.reasonKey ? t(known.reasonKey) : null;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json' || req.path.endsWith('.json')) {
      return res.json({ error: known?.code ?? 'internal', message, ...(reason ? { reason } : {}), requestId: req.id });
    }
    res.render('error', { title: message, status, message, reason, requestId: req.id }, (renderErr, html) => {
      if (renderErr) res.type('text/plain').send(`${status} ${message}`);
      else res.send(html);
    });
  };
}
