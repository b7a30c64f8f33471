import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { pgPool } from '../db/pool';

declare module 'express-session' {
  interface SessionData {
    /** Set at sign-in; the only thing an organiser's session carries. */
    organiserId?: string;
  }
}

export const SESSION_HOURS = 8;

/** Where a session starts: the sign-in link's confirmation (src/organisers/auth.router.ts). */
const SIGN_IN_PATH = /^\/login\/[^/]+$/;

/** The session cookie's name: `__Host-` in production pins it to this host, HTTPS and path "/". */
export function sessionCookieName(isProduction: boolean): string {
  return isProduction ? '__Host-sid' : 'sid';
}

/**
 * Organiser sessions, kept in PostgreSQL so that any web process serves any request. Anonymous
 * readers and signers never get a session (no cookie, no row, no work): nothing is stored about
 * them, and a flood of readers writes nothing. The lifetime rolls: eight hours after the
 * last request. Expired rows are deleted by the worker, not by a timer in every web process.
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
  // A request without the session cookie has no session to load, and only signing in starts one:
  // every other anonymous request (a reader, a signer) skips the session machinery entirely.
  return (req, res, next) => {
    if ((req.cookies as Record<string, string> | undefined)?.[name] !== undefined || (req.method === 'POST' && SIGN_IN_PATH.test(req.path))) return middleware(req, res, next);
    next();
  };
}

/** Deletes expired sessions; run by the worker every few seconds alongside its other chores. */
export async function pruneSessions(ctx: Pick<AppContext, 'db'>): Promise<void> {
  await ctx.db.query('DELETE FROM "session" WHERE expire < now()');
}
