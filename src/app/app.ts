import crypto from 'node:crypto';
import path from 'node:path';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../platform/context';
import type { Config } from '../platform/config';
import { devMailboxRouter } from '../platform/mail/dev-mailbox.router';
import { PROJECT_ROOT } from '../platform/paths';
import { errorHandler, notFoundHandler } from '../platform/web/error-handler';
import { localeFor } from '../platform/web/locale';
import { refuseUploadBeforeReading } from '../platform/web/upload-guard';
import { requestLog } from '../platform/web/request-log';
import { authRouter, currentOrganiser, loadOrganiser, sessionMiddleware } from '../core/access';
import { floodLimit } from '../features/abuse';
import { collectProvided, type Feature, type FeatureRoutes } from '../platform/feature';
import { FEATURES } from './features';

const ROOT = PROJECT_ROOT;

export interface AppOptions {
  /** Mount the development mailbox (never in production). */
  devMailbox: boolean;
}

/** Builds the app from its dependencies; no listen(), so tests drive it in process. */
export function buildApp(ctx: AppContext, opts: AppOptions, features: readonly Feature[] = FEATURES): Express {
  const { config } = ctx;
  // What features hand each other, then each feature's routes, in the list's order.
  const provided = collectProvided([...features], ctx);
  const routes: FeatureRoutes[] = features.map((f) => f.routes?.(ctx, provided) ?? {});
  const all = <K extends keyof FeatureRoutes>(stage: K): Array<NonNullable<FeatureRoutes[K]>[number]> =>
    routes.flatMap((r) => (r[stage] ?? []) as Array<NonNullable<FeatureRoutes[K]>[number]>);
  const exempt = (kind: 'flood' | 'countsItsOwnFlood' | 'csrf') => {
    const tests = features.flatMap((f) => f.exemptions?.[kind] ?? []);
    return (req: express.Request) => tests.some((t) => t(req));
  };
  const locale = localeFor({ secureCookie: config.isProduction });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY === 'false' ? false : config.TRUST_PROXY.split(',').map((s) => s.trim()));
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  if (config.isProduction) app.set('view cache', true);

  app.use((req, _res, next) => {
    req.id = crypto.randomUUID();
    next();
  });
  for (const handler of all('first')) app.use(handler);
  app.use(securityHeaders(config.isProduction));
  // Public reads served from a one-second cache, already gzipped (the letter's JSON, the count's
  // history), read by widgets and scripts thousands of times a second on a viral day: ahead of the
  // sessions, CSRF and body parsers they do not use, and not written to the request log, like the
  // static files (they are as public, and errors are still logged). Only the reader's language
  // (cookie or Accept-Language) matters to them.
  for (const { path: at, handler } of all('fast')) app.get(at, cookieParser(), locale, handler);
  app.use(requestLog(ctx.log));
  // Health, readiness and metrics: before sessions and CSRF, for load balancers and monitoring.
  for (const router of all('early')) app.use(router);
  app.use(compression());
  app.use('/static', express.static(path.join(ROOT, 'public'), { maxAge: '7d', immutable: false, index: false }));
  for (const router of all('public')) app.use(router);
  // Every form: 20 KB. The large forms (below) are read after the session, once it is known who
  // sends them.
  const form = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 50 });
  app.use((req, res, next) => (largeFormAt(req.path) ? next() : form(req, res, next)));
  app.use(express.json({ limit: '20kb' }));
  app.use(cookieParser());
  app.use(locale);
  // The read API: bearer tokens only, so ahead of the flood limit, sessions and CSRF (it answers
  // GET alone, rate-limited per token); its errors are JSON.
  for (const { path: at, router } of all('api')) app.use(at, router);
  // The hard per-IP limit on every POST, before sessions, CSRF and the routers.
  // One-click unsubscribes are POSTed by mailbox providers from a few shared servers; the token in
  // the path is their authority, and refusing a provider would leave people subscribed.
  // Signing and the press of Confirm count their POST themselves, with their own statements (src/features/signatures).
  app.use(floodLimit(ctx, { exempt: exempt('flood'), selfCounted: exempt('countsItsOwnFlood') }));
  // Organisers' sessions; anonymous readers and signers get none (saveUninitialized: false).
  app.use(sessionMiddleware(ctx));

  const { doubleCsrfProtection, tokenPerResponse } = csrf(config, exempt('csrf'));
  app.use(tokenPerResponse);
  app.use(loadOrganiser(ctx));
  // The large forms' limits hold only for a signed-in organiser (admins are organisers); anyone
  // else's form to those paths gets the 20 KB of every form, refused on its size like any other.
  app.use((req, res, next) => {
    const large = largeFormAt(req.path);
    if (!large) return next();
    return (currentOrganiser(res) ? large : form)(req, res, next);
  });
  // Uploads are refused on their headers, before their body is read: too large for the form, no
  // valid CSRF token, not signed in, over the network's byte budget. Then parsed here.
  for (const { path: at, handler } of all('headers')) app.use(at, handler);
  for (const upload of all('uploads')) {
    app.post(
      upload.path,
      refuseUploadBeforeReading({
        maxBodyBytes: upload.maxBodyBytes,
        tooLarge: upload.tooLarge,
        csrf: doubleCsrfProtection,
        checks: upload.checks,
      }),
      upload.parser,
    );
  }
  app.use(doubleCsrfProtection);

  // Signing in and out, then every feature's pages, in the order of the feature list.
  app.use(authRouter(ctx));
  for (const router of all('pages')) app.use(router);
  if (opts.devMailbox && !config.isProduction) app.use(devMailboxRouter(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.log));
  return app;
}

/**
 * Forms larger than 20 KB, for signed-in organisers only: letter forms carry several translations
 * of a long Markdown body, admins' letter templates a skeleton text and guidance.
 */
const LARGE_FORMS: Array<{ at: string; parser: RequestHandler }> = [
  { at: '/organise', parser: express.urlencoded({ extended: false, limit: '400kb', parameterLimit: 120 }) },
  { at: '/admin/templates', parser: express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 30 }) },
];
function largeFormAt(path: string): RequestHandler | null {
  return LARGE_FORMS.find(({ at }) => path === at || path.startsWith(`${at}/`))?.parser ?? null;
}

/** Security headers: a strict CSP (nothing from another host), HSTS in production, no framing. */
function securityHeaders(isProduction: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: isProduction ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    // Says what frame-ancestors 'none' says, for browsers that read only this header. The embed,
    // the one page others may frame, drops both (src/features/sharing/sharing.router.ts).
    xFrameOptions: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * CSRF by double submit (csrf-csrf), and a middleware that gives each response one token
 * (`res.locals.csrfToken()`). `skip`: the routes whose path token is their authority.
 */
function csrf(config: Config, skip: (req: express.Request) => boolean) {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => config.SESSION_SECRET,
    // Signers have no session; the token is bound to the CSRF cookie itself (double submit).
    // A signed-in organiser's token is bound to the session too. Only then: an anonymous
    // visitor's session id is new on every request (nothing is saved), so binding to it would
    // break every anonymous form.
    getSessionIdentifier: (req) => (req.session?.organiserId ? req.session.id : ''),
    cookieName: config.isProduction ? '__Host-csrf' : 'csrf',
    cookieOptions: { sameSite: 'lax', secure: config.isProduction, httpOnly: true, path: '/' },
    // Multipart uploads are checked before their body is read: their forms carry the token in
    // the action URL, scripted clients in the X-CSRF-Token header (refuseUploadBeforeReading).
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const fromHeader = req.get('x-csrf-token');
      if (fromHeader) return fromHeader;
      return req.is('multipart/form-data') && typeof req.query._csrf === 'string' ? req.query._csrf : undefined;
    },
    // RFC 8058 one-click unsubscribe: the mail client POSTs to the link with no cookie and no
    // form token. The 256-bit token in the path authorises it (it can do nothing but turn mail
    // off), so exactly this route, and only for POST, skips the CSRF check.
    skipCsrfProtection: skip,
  });
  const tokenPerResponse: RequestHandler = (req, res, next) => {
    // One token per response: a page with several forms, rendered while the cookie is stale
    // (just after sign-in), would otherwise set a new cookie per form and only the last would work.
    let token: string | undefined;
    res.locals.csrfToken = () => (token ??= generateCsrfToken(req, res));
    next();
  };
  return { doubleCsrfProtection, tokenPerResponse };
}
