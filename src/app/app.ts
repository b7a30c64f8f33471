import crypto from 'node:crypto';
import path from 'node:path';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type Express } from 'express';
import helmet from 'helmet';
import pinoHttp from 'pino-http';
import type { AppContext } from '../platform/context';
import { devMailboxRouter } from '../platform/mail/dev-mailbox.router';
import { describeError, scrubUrl } from '../platform/logger';
import { PROJECT_ROOT } from '../platform/paths';
import { errorHandler, notFoundHandler } from '../platform/web/error-handler';
import { AppError } from '../platform/web/errors';
import { localeFor } from '../platform/web/locale';
import { refuseUploadBeforeReading } from '../platform/web/upload-guard';
import { challengeRouter, floodLimit } from '../features/abuse';
import { apiRouter, apiTokensOfMember, apiTokensRouter } from '../features/api';
import {
  exportsRouter,
  UploadTooLarge,
  VERIFY_UPLOAD_BODY_LIMIT_BYTES,
  verifyRouter,
  verifyUploadBudget,
  verifyUploadParser,
} from '../features/exports';
import { integrityRouter } from '../features/integrity';
import { letterPage } from '../features/letter-page';
import { historyRoutes } from '../features/history';
import { mySignaturesRouter } from '../features/my-signatures';
import { requestMetrics, opsRouter } from '../features/ops';
import { allowListRouter, challengeModeRouter } from '../features/abuse';
import { auditRouter } from '../features/audit-trail';
import { authRouter, loadOrganiser, requireOrganiser, sessionMiddleware } from '../core/access';
import { heldQueueRouter, invitationsRouter, organiseRouter } from '../features/organisers';
import { PAPER_UPLOAD_BODY_LIMIT_BYTES, paperRouter, paperUploadParser } from '../features/paper';
import {
  AttachmentTooLarge,
  privateRecipientHeaders,
  recipientLinksOfMember,
  recipientsRouter,
  RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
  responseUploadChecks,
  responseUploadParser,
} from '../features/recipients';
import { crawlersRouter, sharingRouter } from '../features/sharing';
import { countsItsOwnFlood, signaturesRouter, signRouter } from '../features/signatures';
import {
  ONE_CLICK_UNSUBSCRIBE_PATH,
  updatesFeedSources,
  updatesOrganiseRouter,
  updatesPublicRouter,
} from '../features/updates';
import { versionsRouter } from '../features/versions';
import { webhooksOfMember, webhooksRouter } from '../features/webhooks';

const ROOT = PROJECT_ROOT;

export interface AppOptions {
  /** Mount the development mailbox (never in production). */
  devMailbox: boolean;
}

/** Builds the app from its dependencies; no listen(), so tests drive it in process. */
export function buildApp(ctx: AppContext, opts: AppOptions): Express {
  const { config } = ctx;
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
  app.use(requestMetrics());
  app.use(
    helmet({
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
          ...(config.isProduction ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: config.isProduction ? { maxAge: 31536000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
      // Says what frame-ancestors 'none' says, for browsers that read only this header. The embed,
      // the one page others may frame, drops both (src/features/sharing/sharing.router.ts).
      xFrameOptions: { action: 'deny' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  // The public JSON, read by widgets and scripts thousands of times a second on a viral day: served
  // from a one-second cache, already gzipped, ahead of the sessions, CSRF and body parsers it does
  // not use, and not written to the request log, like the static files (it is as public, and errors
  // are still logged). Only the reader's language (cookie or Accept-Language) matters to it.
  const page = letterPage(ctx);
  app.get('/letters/:slug.json', cookieParser(), locale, page.json);
  // The count's history as open data, served the same way.
  const history = historyRoutes(ctx);
  app.get('/letters/:slug/history.json', cookieParser(), locale, history.json);
  app.get('/letters/:slug/history.csv', cookieParser(), locale, history.csv);
  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req) => (req as express.Request).id,
      // Only method, scrubbed path and timing: no IPs, no cookies, no tokens, no query strings.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          url: scrubUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: describeError,
      },
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/static/') },
    }),
  );
  // Health, readiness and metrics: before sessions and CSRF, for load balancers and monitoring.
  app.use(opsRouter(ctx));
  app.use(compression());
  app.use('/static', express.static(path.join(ROOT, 'public'), { maxAge: '7d', immutable: false, index: false }));
  app.use(crawlersRouter(ctx));
  // Letter forms carry several translations of a long Markdown body: a larger limit, for signed-in
  // organisers' pages only (the body parser below then leaves the parsed body alone).
  app.use('/organise', express.urlencoded({ extended: false, limit: '400kb', parameterLimit: 120 }));
  app.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '20kb' }));
  app.use(cookieParser());
  app.use(locale);
  // The read API: bearer tokens only, so ahead of the flood limit, sessions and CSRF (it answers
  // GET alone, rate-limited per token); its errors are JSON.
  app.use('/api', apiRouter(ctx));
  // The hard per-IP limit on every POST, before sessions, CSRF and the routers.
  // One-click unsubscribes are POSTed by mailbox providers from a few shared servers; the token in
  // the path is their authority, and refusing a provider would leave people subscribed.
  // Signing counts its POST itself, together with its own counters (src/features/signatures/sign.router.ts).
  app.use(
    floodLimit(ctx, {
      exempt: (req) => ONE_CLICK_UNSUBSCRIBE_PATH.test(req.path),
      selfCounted: countsItsOwnFlood,
    }),
  );
  // Organisers' sessions; anonymous readers and signers get none (saveUninitialized: false).
  app.use(sessionMiddleware(ctx));

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
    skipCsrfProtection: (req) => req.method === 'POST' && ONE_CLICK_UNSUBSCRIBE_PATH.test(req.path),
  });
  app.use((req, res, next) => {
    // One token per response: a page with several forms, rendered while the cookie is stale
    // (just after sign-in), would otherwise set a new cookie per form and only the last would work.
    let token: string | undefined;
    res.locals.csrfToken = () => (token ??= generateCsrfToken(req, res));
    next();
  });
  app.use(loadOrganiser(ctx));
  // Uploads are refused on their headers, before their body is read: too large for the form, no
  // valid CSRF token, not signed in, over the network's byte budget. Then parsed here.
  // The paper-signature upload: for signed-in organisers only.
  app.post(
    '/organise/letters/:slug/paper',
    refuseUploadBeforeReading({
      maxBodyBytes: PAPER_UPLOAD_BODY_LIMIT_BYTES,
      tooLarge: () => new AppError(413, 'too_large', 'errors.tooLarge'),
      csrf: doubleCsrfProtection,
      checks: [requireOrganiser],
    }),
    paperUploadParser(),
  );
  // /verify takes the official's file as multipart and hashes it as it arrives (nothing is kept).
  app.post(
    '/verify',
    refuseUploadBeforeReading({
      maxBodyBytes: VERIFY_UPLOAD_BODY_LIMIT_BYTES,
      tooLarge: () => new UploadTooLarge(),
      csrf: doubleCsrfProtection,
      checks: [verifyUploadBudget(ctx)],
    }),
    verifyUploadParser(ctx),
  );
  // An addressee's response through their recipient link, with an optional PDF: refused before
  // its body is read when the link is not live or the network's byte budget is spent; the PDF
  // streams into a large object.
  app.use('/r', privateRecipientHeaders);
  app.post(
    '/r/:token/response',
    refuseUploadBeforeReading({
      maxBodyBytes: RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
      tooLarge: () => new AttachmentTooLarge(),
      csrf: doubleCsrfProtection,
      checks: responseUploadChecks(ctx),
    }),
    responseUploadParser(ctx),
  );
  app.use(doubleCsrfProtection);

  // The challenge widget's files (from the altcha package) and each letter's challenge.
  app.use(challengeRouter(ctx));
  // Before the letter page: the updates' own pages under /letters/:slug/… come first.
  app.use(updatesPublicRouter(ctx));
  app.use(versionsRouter(ctx));
  app.use(page.router);
  app.use(integrityRouter(ctx));
  // The sign form shows the letter page again with its errors: the page is handed to it here.
  app.use(signRouter(ctx, page.render));
  app.use(signaturesRouter(ctx));
  app.use(mySignaturesRouter(ctx));
  app.use(updatesOrganiseRouter(ctx));
  app.use(paperRouter(ctx));
  app.use(allowListRouter(ctx));
  app.use(auditRouter(ctx));
  app.use(apiTokensRouter(ctx));
  app.use(webhooksRouter(ctx));
  app.use(heldQueueRouter(ctx));
  app.use(challengeModeRouter(ctx));
  app.use(sharingRouter(ctx, updatesFeedSources));
  app.use(authRouter(ctx));
  app.use(invitationsRouter(ctx));
  const recipients = recipientsRouter(ctx);
  app.use(recipients.router);
  // What a member handed out on a letter, listed for the owners before the member leaves its team.
  app.use(
    organiseRouter(ctx, {
      deliveryPanel: recipients.deliveryPanel,
      memberAccess: [apiTokensOfMember, recipientLinksOfMember, webhooksOfMember],
    }),
  );
  app.use(exportsRouter(ctx));
  app.use(verifyRouter(ctx));
  if (opts.devMailbox && !config.isProduction) app.use(devMailboxRouter(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.log));
  return app;
}
