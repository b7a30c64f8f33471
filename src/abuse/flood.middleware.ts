import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context';
import { RateLimited } from '../web/errors';
import { limitKeyForIp } from './network';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one hard per-IP limit: every request that changes something (POST and friends) counts
 * against the sender's network, whatever the route, and beyond the limit is refused with 429
 * and Retry-After (rendered in the reader's language by the error middleware). Allowed networks
 * of a letter do not skip it.
 */
export function floodLimit(ctx: AppContext, opts: { exempt?: (req: Request) => boolean } = {}): RequestHandler {
  return async (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || opts.exempt?.(req)) return next();
    const result = await ctx.limits.flood(limitKeyForIp(ctx.config.SESSION_SECRET, req.ip ?? ''));
    if (!result.ok) throw new RateLimited(result.retryAfterSeconds);
    next();
  };
}
