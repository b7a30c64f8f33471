import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { parseForm } from '../../platform/web/validate';
import { currentOrganiser } from './auth.middleware';
import { loginFormSchema } from './login-form.schema';
import { checkSignInToken, consumeSignInToken, requestSignIn, SIGN_IN_TOKEN_MINUTES } from './sign-in.service';
import { sessionCookieName } from './session';
import { tokenPageHeaders } from '../../platform/web/token-page';

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
    ),
  );
}
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
    ),
  );
}
function destroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
    ),
  );
}

/** Sign-in by emailed link, and sign-out. Tokens are in the path; the request logger cuts them out. */
export function authRouter(ctx: AppContext): Router {
  const r = Router();

  function renderProblem(req: Request, res: Response, problem: 'used' | 'expired' | 'unknown') {
    res.status(problem === 'unknown' ? 404 : 410).render('login/problem', {
      title: req.t(`organisers.login.problem.${problem}.title`),
      problem,
    });
  }

  r.get('/login', (req, res) => {
    tokenPageHeaders(res);
    if (currentOrganiser(res)) return res.redirect(303, '/organise');
    res.render('login/login', {
      title: req.t('organisers.login.title'),
      form: { values: {}, errors: {} },
      sent: false,
      signedOut: req.query.signedOut === '1',
    });
  });

  r.post('/login', async (req, res) => {
    tokenPageHeaders(res);
    const parsed = parseForm(loginFormSchema, req.body);
    if (!parsed.ok) {
      const email = (req.body as Record<string, unknown> | undefined)?.email;
      const values = { email: typeof email === 'string' ? email : '' };
      return res.status(422).render('login/login', {
        title: req.t('organisers.login.title'),
        form: { values, errors: parsed.errors },
        sent: false,
      });
    }
    await requestSignIn(ctx, parsed.data.email, { ip: req.ip ?? '', language: req.lang });
    // The same page for every address, known or not.
    res.render('login/login', {
      title: req.t('organisers.login.sentTitle'),
      form: { values: {}, errors: {} },
      sent: true,
      minutes: SIGN_IN_TOKEN_MINUTES,
    });
  });

  // Opening the link changes nothing: mail scanners open links before people do.
  r.get('/login/:token', async (req, res) => {
    tokenPageHeaders(res);
    const token = String(req.params.token);
    const check = TOKEN.test(token) ? await checkSignInToken(ctx, token) : 'unknown';
    if (check !== 'valid') return renderProblem(req, res, check);
    res.render('login/confirm', { title: req.t('organisers.login.confirmTitle'), token });
  });

  r.post('/login/:token', async (req, res) => {
    tokenPageHeaders(res);
    const token = String(req.params.token);
    const outcome = TOKEN.test(token) ? await consumeSignInToken(ctx, token) : { kind: 'unknown' as const };
    if (outcome.kind !== 'signed-in') return renderProblem(req, res, outcome.kind);
    // A fresh session id at sign-in: an id planted before (session fixation) is worth nothing.
    await regenerate(req);
    req.session.organiserId = outcome.organiserId;
    req.session.signedInAt = Date.now();
    await save(req);
    // Someone who came through /start goes on to the form they came for.
    res.redirect(303, outcome.firstSignIn ? '/start/new' : '/organise');
  });

  r.post('/logout', async (req, res) => {
    tokenPageHeaders(res);
    if (req.session) await destroy(req);
    res.clearCookie(sessionCookieName(ctx.config.isProduction), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.isProduction,
    });
    res.redirect(303, '/login?signedOut=1');
  });

  return r;
}
