import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { auditActor, currentOrganiser, requireAdmin } from '../../core/access';
import { LANGUAGES, VISIBILITIES } from '../../core/letters/letter.entity';
import { NotFound } from '../../platform/web/errors';
import { handlersOf } from '../../platform/web/handlers';
import { parseForm } from '../../platform/web/validate';
import { templateFormSchema } from './template-form.schema';
import {
  createTemplate,
  deleteTemplate,
  findTemplate,
  listTemplates,
  updateTemplate,
  type LetterTemplate,
} from './templates.service';

type FormValues = Record<string, string | string[]>;

function blankValues(): FormValues {
  return {
    name: '',
    guidance: '',
    defaultLanguage: 'en',
    languages: ['en'],
    goal: '',
    deadlineDays: '',
    publicNamesDefault: 'private',
    title: '',
    summary: '',
    body: '',
    recipient: '',
  };
}

function valuesOf(template: LetterTemplate): FormValues {
  return {
    name: template.name,
    guidance: template.guidance,
    defaultLanguage: template.defaultLanguage,
    languages: template.languages,
    goal: template.goal ? String(template.goal) : '',
    deadlineDays: template.deadlineDays ? String(template.deadlineDays) : '',
    publicNamesDefault: template.publicNamesDefault,
    title: template.title,
    summary: template.summary,
    body: template.body,
    recipient: template.recipient,
  };
}

/** The form as typed, to show again with its errors. */
function valuesFromBody(body: unknown): FormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const values = blankValues();
  for (const k of Object.keys(values)) {
    const v = b[k];
    if (k === 'languages') values[k] = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    else values[k] = typeof v === 'string' ? v : '';
  }
  return values;
}

function renderForm(
  req: Request,
  res: Response,
  opts: { template: LetterTemplate | null; values: FormValues; errors?: Record<string, string>; status?: number },
) {
  res.status(opts.status ?? 200).render('templates/template-form', {
    title: opts.template ? req.t('templates.editTitle', { name: opts.template.name }) : req.t('templates.newTitle'),
    template: opts.template,
    form: { values: opts.values, errors: opts.errors ?? {} },
    languages: LANGUAGES,
    visibilities: VISIBILITIES,
  });
}

/** GET /admin/templates: the instance's templates, and a link to make one. */
async function showTemplates(ctx: AppContext, req: Request, res: Response): Promise<void> {
  res.render('templates/templates', {
    title: req.t('templates.title'),
    templates: await listTemplates(ctx.db),
    saved: typeof req.query.saved === 'string' ? req.query.saved : null,
  });
}

function showNewTemplate(_ctx: AppContext, req: Request, res: Response): void {
  renderForm(req, res, { template: null, values: blankValues() });
}

async function createFromForm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const parsed = parseForm(templateFormSchema, req.body);
  if (!parsed.ok)
    return renderForm(req, res, {
      template: null,
      values: valuesFromBody(req.body),
      errors: parsed.errors,
      status: 422,
    });
  await createTemplate(ctx.db, parsed.data, auditActor(currentOrganiser(res)!));
  res.redirect(303, '/admin/templates?saved=created');
}

async function templateOf(ctx: AppContext, req: Request): Promise<LetterTemplate> {
  const template = await findTemplate(ctx.db, String(req.params.id));
  if (!template) throw new NotFound();
  return template;
}

async function showTemplate(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const template = await templateOf(ctx, req);
  renderForm(req, res, { template, values: valuesOf(template) });
}

async function saveFromForm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const template = await templateOf(ctx, req);
  const parsed = parseForm(templateFormSchema, req.body);
  if (!parsed.ok)
    return renderForm(req, res, { template, values: valuesFromBody(req.body), errors: parsed.errors, status: 422 });
  if (!(await updateTemplate(ctx.db, template.id, parsed.data, auditActor(currentOrganiser(res)!))))
    throw new NotFound();
  res.redirect(303, '/admin/templates?saved=updated');
}

async function removeTemplate(ctx: AppContext, req: Request, res: Response): Promise<void> {
  if (!(await deleteTemplate(ctx.db, String(req.params.id), auditActor(currentOrganiser(res)!)))) throw new NotFound();
  res.redirect(303, '/admin/templates?saved=deleted');
}

/** The admins' templates: /admin/templates, one page per template. */
export function templatesRouter(ctx: AppContext): Router {
  const on = handlersOf(ctx);
  const r = Router();
  r.use('/admin/templates', requireAdmin);
  r.get('/admin/templates', on(showTemplates));
  r.post('/admin/templates', on(createFromForm));
  r.get('/admin/templates/new', on(showNewTemplate));
  r.get('/admin/templates/:id', on(showTemplate));
  r.post('/admin/templates/:id', on(saveFromForm));
  r.post('/admin/templates/:id/delete', on(removeTemplate));
  return r;
}
