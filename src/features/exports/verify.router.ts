import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { parseForm } from '../../platform/web/validate';
import { verifyFormSchema } from './export-form.schema';
import { hashedUpload } from './verify-upload';
import { verifyExportDigest, verifyExportFile, type VerifyOutcome } from './verify.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The public page where an official checks that a file is exactly what the platform produced. */
export function verifyRouter(ctx: AppContext): Router {
  const r = Router();

  function render(
    req: Request,
    res: Response,
    opts: {
      outcome?: VerifyOutcome | null;
      values?: Record<string, string>;
      errors?: Record<string, string>;
      status?: number;
      checked?: 'file' | 'digest';
    } = {},
  ) {
    // A page anyone can load, but answers are about one request: never cached by a proxy.
    res.set('Cache-Control', 'no-store');
    res.status(opts.status ?? 200).render('verify/verify', {
      title: req.t('exports.verify.title'),
      outcome: opts.outcome ?? null,
      checked: opts.checked ?? null,
      values: opts.values ?? {},
      errors: opts.errors ?? {},
    });
  }

  r.get('/verify', (req, res) => {
    const id = typeof req.query.id === 'string' && UUID.test(req.query.id) ? req.query.id.toLowerCase() : '';
    render(req, res, { values: { exportId: id } });
  });

  r.post('/verify', async (req, res) => {
    const file = hashedUpload(req);
    if (file) {
      const outcome = await verifyExportFile(ctx.db, file, req.lang);
      ctx.log.info({ outcome: outcome.kind, bytes: file.bytes }, 'export verification by file');
      return render(req, res, { outcome, checked: 'file' });
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    const values = { exportId: text(body.exportId).slice(0, 100), sha256: text(body.sha256).slice(0, 200) };
    const parsed = parseForm(verifyFormSchema, body);
    if (!parsed.ok) return render(req, res, { values, errors: parsed.errors, status: 422 });
    const outcome = await verifyExportDigest(ctx.db, parsed.data.exportId, parsed.data.sha256, req.lang);
    ctx.log.info({ outcome: outcome.kind }, 'export verification by digest');
    render(req, res, { outcome, values, checked: 'digest' });
  });

  return r;
}
