import crypto from 'node:crypto';
import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { NotFound } from '../../platform/web/errors';
import { collectDatabaseGauges, registry } from './metrics';
import { checkReadiness } from './readiness';
import { renderSecurityTxt } from './security-txt';

function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * For load balancers and monitoring: /healthz (the process is up), /readyz (the database answers
 * and its schema is current) and /metrics (Prometheus); and for security researchers,
 * /.well-known/security.txt. /metrics is not public: with
 * METRICS_TOKEN set it wants `Authorization: Bearer <token>`; without one it is served outside
 * production only.
 */
export function opsRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('text/plain').send('ok');
  });

  r.get('/readyz', async (_req, res) => {
    const state = await checkReadiness(ctx.db);
    res
      .set('Cache-Control', 'no-store')
      .status(state.ready ? 200 : 503)
      .json(state);
  });

  // RFC 9116; the legacy address at the root points to it.
  r.get('/.well-known/security.txt', (_req, res) => {
    const body = renderSecurityTxt({ baseUrl: ctx.config.BASE_URL, contact: ctx.config.SECURITY_CONTACT });
    res.set('Cache-Control', 'public, max-age=86400').type('text/plain; charset=utf-8').send(body);
  });
  r.get('/security.txt', (_req, res) => res.redirect(301, '/.well-known/security.txt'));

  r.get('/metrics', async (req, res) => {
    const token = ctx.config.METRICS_TOKEN;
    if (!token && ctx.config.isProduction) throw new NotFound();
    if (token) {
      const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
      if (!m || !sameToken(m[1], token)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"').status(401).type('text/plain').send('unauthorised');
        return;
      }
    }
    await collectDatabaseGauges(ctx.db);
    res
      .set('Cache-Control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics());
  });

  return r;
}
