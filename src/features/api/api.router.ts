import type { Config } from '../../platform/config';
import { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { findLetterBySlug } from '../../core/letters/letters.service';
import { isSlug } from '../../core/letters/slug';
import { AppError, NotFound, RateLimited } from '../../platform/web/errors';
import { readLetter, readSignatures } from './api-read.service';
import { authenticateApiToken, type AuthenticatedToken } from './api-tokens.service';
import { letterSchema, signaturePageSchema, signaturesQuerySchema } from './api.schema';
import { openApiDocument } from './openapi';
import type { LimitRule } from '../../platform/web/rate-limits';

/** Requests per API token (its id) and minute. */
function apiTokenRule(config: Config): LimitRule {
  return { name: 'api-token', prefix: 'api-token', points: config.API_REQUESTS_PER_TOKEN_PER_MINUTE, seconds: 60 };
}

/** 401: no token, or one that is unknown or revoked. `given`: a token was sent (RFC 6750's invalid_token). */
export class Unauthorized extends AppError {
  constructor(readonly given: boolean) {
    super(401, 'unauthorized', given ? 'api.errors.invalidToken' : 'api.errors.noToken');
  }
}

/** 405: the route exists, the method does not; `Allow` names those it answers. */
export class MethodNotAllowed extends AppError {
  constructor(readonly allow: readonly string[]) {
    super(405, 'method_not_allowed', 'api.errors.methodNotAllowed');
  }
}

type ApiLocals = { apiToken?: AuthenticatedToken };

/**
 * The read API under /api: bearer tokens only (no session, no cookie, no CSRF: it is mounted
 * before them), JSON in every answer, errors included, and nothing cached by the way.
 */
export function apiRouter(ctx: AppContext): Router {
  const r = Router();
  r.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  r.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument(ctx.config.BASE_URL));
  });

  async function bearer(req: Request, res: Response, next: NextFunction) {
    const m = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    const token = m ? await authenticateApiToken(ctx.db, m[1]) : null;
    if (!token) throw new Unauthorized(!!m);
    const limit = await ctx.limits.consume(apiTokenRule(ctx.config), token.id);
    if (!limit.ok) throw new RateLimited(limit.retryAfterSeconds, 'api.errors.rateLimited');
    (res.locals as ApiLocals).apiToken = token;
    next();
  }

  /** The letter named by :slug, if it is the token's; another letter's token finds nothing (404). */
  async function tokenLetter(req: Request, res: Response) {
    const slug = String(req.params.slug ?? '');
    const token = (res.locals as ApiLocals).apiToken!;
    const letter = isSlug(slug) ? await findLetterBySlug(ctx.db, slug) : null;
    if (!letter || letter.id !== token.letterId) throw new NotFound();
    return { letter, token };
  }

  r.get('/v1/letters/:slug', bearer, async (req, res) => {
    const { letter } = await tokenLetter(req, res);
    res.json(letterSchema.parse(await readLetter(ctx.db, letter, ctx.config.BASE_URL)));
  });

  r.get('/v1/letters/:slug/signatures', bearer, async (req, res) => {
    const { letter, token } = await tokenLetter(req, res);
    const query = signaturesQuerySchema.safeParse(req.query);
    if (!query.success) throw new AppError(400, 'bad_request', 'api.errors.badQuery');
    const page = await readSignatures(ctx.db, letter.id, {
      forDelivery: token.forDelivery,
      after: query.data.after,
      limit: query.data.limit,
      lang: req.lang,
    });
    res.json(signaturePageSchema.parse(page));
  });

  // Every route answers GET (and HEAD, which Express serves from GET) only.
  r.all(['/openapi.json', '/v1/letters/:slug', '/v1/letters/:slug/signatures'], () => {
    throw new MethodNotAllowed(['GET', 'HEAD']);
  });
  r.use(() => {
    throw new NotFound();
  });
  r.use(apiErrors(ctx));
  return r;
}

/** Errors under /api are JSON whatever the client accepts: never the HTML error page, never a stack trace. */
function apiErrors(ctx: AppContext): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof AppError ? err : null;
    const status = known?.status ?? 500;
    if (!known) ctx.log.error({ err, reqId: req.id }, 'unhandled api error');
    if (res.headersSent) return res.end();
    if (known instanceof Unauthorized)
      res.set('WWW-Authenticate', known.given ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"');
    if (known instanceof RateLimited) res.set('Retry-After', String(known.retryAfterSeconds));
    if (known instanceof MethodNotAllowed) res.set('Allow', known.allow.join(', '));
    const t = req.t ?? ((k: string) => k);
    res.status(status).json({
      error: known?.code ?? 'internal',
      message: t(known?.messageKey ?? 'errors.internal'),
      requestId: req.id,
    });
  };
}
