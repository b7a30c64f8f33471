import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../platform/context';
import { pgPool } from '../../platform/db/pool';

declare module 'express-session' {
  interface SessionData {
    /** Set at sign-in: who is signed in. */
    organiserId?: string;
    /** Set at sign-in (epoch milliseconds): the session ends SESSION_ABSOLUTE_DAYS later. */
    signedInAt?: number;
  }
}

export const SESSION_HOURS = 8;

/** Where a session starts: the sign-in link's confirmation (src/core/access/auth.router.ts). */
const SIGN_IN_PATH = /^\/login\/[^/]+$/;

/** The session cookie's name: `__Host-` in production pins it to this host, HTTPS and path "/". */
export function sessionCookieName(isProduction: boolean): string {
  return isProduction ? '__Host-sid' : 'sid';
}

/**
 * Organiser sessions, kept in PostgreSQL so that any web process serves any request. Anonymous
 * readers and signers never get a session (no cookie, no row, no work): nothing is stored about
 * them, and a flood of readers writes nothing. The lifetime rolls: eight hours after the
 * last request, and never beyond SESSION_ABSOLUTE_DAYS after signing in, however active (a
 * stolen cookie in steady use would otherwise never die). Expired rows are deleted by the
 * worker, not by a timer in every web process.
 */
export function sessionMiddleware(ctx: AppContext): RequestHandler {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool: pgPool(ctx.db),
    tableName: 'session',
    createTableIfMissing: false, // made by a migration
    pruneSessionInterval: false,
  });
  const { config } = ctx;
  const name = sessionCookieName(config.isProduction);
  const middleware = session({
    store,
    name: sessionCookieName(config.isProduction),
    secret: config.SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: SESSION_HOURS * 3600_000,
    },
  });
  const absoluteMs = config.SESSION_ABSOLUTE_DAYS * 86400_000;
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.isProduction };

  /** Ends a signed-in session past its absolute lifetime; otherwise keeps its cookie within it. */
  async function enforceAbsoluteLifetime(req: Request, res: Response): Promise<void> {
    const s = req.session;
    if (!s?.organiserId) return;
    // A session from before sign-in times were recorded has no deadline to keep: it ends too.
    const deadline = (s.signedInAt ?? 0) + absoluteMs;
    if (Date.now() >= deadline) {
      // Regenerated rather than destroyed: the stored session goes, and the request goes on with
      // an empty one that is never saved, so a sign-in in this very request still works.
      await new Promise<void>((resolve, reject) =>
        s.regenerate((err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
        ),
      );
      res.clearCookie(name, cookieOptions);
      ctx.log.info({ organiserId: s.organiserId }, 'session ended: absolute lifetime reached');
      return;
    }
    s.cookie.expires = new Date(Math.min(Date.now() + SESSION_HOURS * 3600_000, deadline));
  }

  // A request without the session cookie has no session to load, and only signing in starts one:
  // every other anonymous request (a reader, a signer) skips the session machinery entirely.
  return (req, res, next) => {
    if (
      (req.cookies as Record<string, string> | undefined)?.[name] === undefined &&
      !(req.method === 'POST' && SIGN_IN_PATH.test(req.path))
    )
      return next();
    middleware(req, res, (err?: unknown) => {
      if (err) return next(err);
      enforceAbsoluteLifetime(req, res).then(() => next(), next);
    });
  };
}

/** Deletes expired sessions; run by the worker every few seconds alongside its other chores. */
export async function pruneSessions(ctx: Pick<AppContext, 'db'>): Promise<void> {
  await ctx.db.query('DELETE FROM "session" WHERE expire < now()');
}
