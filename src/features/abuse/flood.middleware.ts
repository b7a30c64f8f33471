import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../../platform/context';
import { RateLimited } from '../../platform/web/errors';
import { limitKeyForIp } from '../../platform/web/network';
import { floodRule } from './limits';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Counts one POST against the sender's network; beyond the limit, a 429 with Retry-After. */
export async function consumeFlood(ctx: AppContext, ip: string): Promise<void> {
  const result = await ctx.limits.consume(floodRule(ctx.config), limitKeyForIp(ctx.config.SESSION_SECRET, ip));
  if (!result.ok) throw new RateLimited(result.retryAfterSeconds);
}

/**
 * The one hard per-IP limit: every request that changes something (POST and friends) counts
 * against the sender's network, whatever the route, and beyond the limit is refused with 429
 * and Retry-After (rendered in the reader's language by the error middleware). Allowed networks
 * of a letter do not skip it. `selfCounted` routes consume it themselves, once, on every answer
 * they give (the sign route: src/features/signatures/sign.router.ts says why).
 */
export function floodLimit(
  ctx: AppContext,
  opts: { exempt?: (req: Request) => boolean; selfCounted?: (req: Request) => boolean } = {},
): RequestHandler {
  return async (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || opts.exempt?.(req) || opts.selfCounted?.(req)) return next();
    await consumeFlood(ctx, req.ip ?? '');
    next();
  };
}
