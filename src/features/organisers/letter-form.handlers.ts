import type { Request, Response } from 'express';
import type { AppContext } from '../../platform/context';
import {
  askedFields,
  LANGUAGES,
  LETTER_STATUSES,
  SIGN_FIELDS,
  VISIBILITIES,
  type Letter,
} from '../../core/letters/letter.entity';
import { renderMarkdown } from '../../core/letters/letters.service';
import { currentOrganiser } from '../../core/access/auth.middleware';
import { signersOfCurrentText } from '../versions';
import { createLetter, updateLetter } from './letter-editing.service';
import { letterFormValues, MAX_TRANSLATIONS, parseLetterForm, type LetterFormValues } from './letter-form.schema';
import { teamOf, type LetterTeam } from './invitations.service';
import { listOrganiserLetters } from './workspace.service';
import { locals, type OrganiseDeps } from './organise-deps';

/* The organiser's letters, and the letter form (new and edit, with its preview). */

function emptyForm(): LetterFormValues {
  return {
    slug: '',
    status: 'draft',
    goal: '',
    closesAt: '',
    defaultLanguage: 'en',
    publicNamesDefault: 'private',
    translations: Array.from({ length: MAX_TRANSLATIONS }, (_, i) => ({
      language: i === 0 ? 'en' : '',
      title: '',
      shortTitle: '',
      summary: '',
      body: '',
      recipient: '',
      remove: false,
    })),
  };
}

/** The form as stored: existing versions first, then blank rows to add languages. */
export function formFromLetter(letter: Letter): LetterFormValues {
  const rows: LetterFormValues['translations'] = [...letter.translations]
    .sort((a, b) => LANGUAGES.indexOf(a.language) - LANGUAGES.indexOf(b.language))
    .map((t) => ({
      language: t.language,
      title: t.title,
      shortTitle: t.shortTitle ?? '',
      summary: t.summary,
      body: t.body,
      recipient: t.recipient,
      remove: false,
    }));
  while (rows.length < MAX_TRANSLATIONS)
    rows.push({ language: '', title: '', shortTitle: '', summary: '', body: '', recipient: '', remove: false });
  return {
    slug: letter.slug,
    status: letter.status,
    goal: letter.goal ? String(letter.goal) : '',
    closesAt: letter.closesAt ? letter.closesAt.toISOString().slice(0, 10) : '',
    defaultLanguage: letter.defaultLanguage,
    publicNamesDefault: letter.publicNamesDefault,
    translations: rows,
  };
}

/** The owner-only settings an editor's form leaves out, filled in from the letter as stored. */
function withOwnerFields(body: unknown, letter: Letter): Record<string, unknown> {
  const stored = formFromLetter(letter);
  const b = { ...((body ?? {}) as Record<string, unknown>) };
  for (const k of ['slug', 'status', 'closesAt', 'publicNamesDefault'] as const) b[k] ??= stored[k];
  return b;
}

function isPreview(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.action === 'preview';
}

export async function renderLetterForm(
  ctx: AppContext,
  req: Request,
  res: Response,
  opts: {
    mode: 'new' | 'edit';
    values: LetterFormValues;
    errors?: Record<string, string>;
    status?: number;
    preview?: boolean;
    saved?: boolean;
    invited?: boolean;
    team?: LetterTeam | null;
    teamErrors?: Record<string, string>;
  },
) {
  const role = opts.mode === 'new' ? 'owner' : locals(res).letterRole;
  const previews = opts.preview
    ? opts.values.translations.map((t) => (t.body.trim() && !t.remove ? renderMarkdown(t.body) : null))
    : null;
  const signed = opts.mode === 'edit' ? await signersOfCurrentText(ctx.db, locals(res).letter) : {};
  res.status(opts.status ?? 200).render('organise/letter-form', {
    signed,
    title: opts.mode === 'new' ? req.t('organisers.form.newTitle') : req.t('organisers.form.editTitle'),
    mode: opts.mode,
    role,
    slug: opts.mode === 'edit' ? locals(res).letter.slug : null,
    publicStatus: opts.mode === 'edit' ? locals(res).letter.status : null,
    form: { values: opts.values, errors: opts.errors ?? {} },
    previews,
    saved: !!opts.saved,
    invited: !!opts.invited,
    statuses: LETTER_STATUSES,
    visibilities: VISIBILITIES,
    team: opts.mode === 'edit' && role === 'owner' ? opts.team : null,
    // The owners' switch of the list of signatories, a form of its own (features/signatories).
    searchEngines: opts.mode === 'edit' && role === 'owner' ? { noindex: locals(res).letter.signatoriesNoindex } : null,
    teamErrors: opts.teamErrors ?? {},
    // The sign form's optional fields: the owners' own form on the edit page.
    signFields:
      opts.mode === 'edit'
        ? {
            fields: SIGN_FIELDS,
            asked: askedFields(locals(res).letter),
            canChange: role === 'owner',
            notice: req.query.fields === 'saved' ? 'saved' : req.query.fields === 'same' ? 'same' : null,
          }
        : null,
  });
}

export async function showLetters({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const letters = await listOrganiserLetters(ctx.db, currentOrganiser(res)!.id, req.lang);
  res.render('organise/letters', { title: req.t('organisers.list.title'), letters });
}

export async function showNewLetterForm({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  await renderLetterForm(ctx, req, res, { mode: 'new', values: emptyForm() });
}

export async function createLetterFromForm({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const values = letterFormValues(req.body);
  if (isPreview(req)) return renderLetterForm(ctx, req, res, { mode: 'new', values, preview: true });
  const parsed = parseLetterForm(req.body, { withSlug: true, withStatus: true });
  if (!parsed.ok) return renderLetterForm(ctx, req, res, { mode: 'new', values, errors: parsed.errors, status: 422 });
  const saved = await createLetter(ctx, currentOrganiser(res)!, parsed.data);
  if (!saved.ok) return renderLetterForm(ctx, req, res, { mode: 'new', values, errors: saved.errors, status: 422 });
  res.redirect(303, `/organise/letters/${saved.slug}/edit?saved=1`);
}

export async function showLetterForm({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter, letterRole } = locals(res);
  await renderLetterForm(ctx, req, res, {
    mode: 'edit',
    values: formFromLetter(letter),
    saved: req.query.saved === '1',
    invited: req.query.invited === '1',
    team: letterRole === 'owner' ? await teamOf(ctx.db, letter.id) : null,
  });
}

export async function saveLetterForm({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter, letterRole } = locals(res);
  const isOwner = letterRole === 'owner';
  // An editor's form has no owner-only fields: they keep their stored values. One sent anyway
  // (a crafted request) that changes them is refused by updateLetter with 403.
  const body: unknown = isOwner ? req.body : withOwnerFields(req.body, letter);
  const values = letterFormValues(body);
  const team = isOwner ? await teamOf(ctx.db, letter.id) : null;
  if (isPreview(req)) return renderLetterForm(ctx, req, res, { mode: 'edit', values, preview: true, team });
  const parsed = parseLetterForm(body, { withSlug: true, withStatus: true });
  if (!parsed.ok)
    return renderLetterForm(ctx, req, res, { mode: 'edit', values, errors: parsed.errors, status: 422, team });
  const saved = await updateLetter(ctx, letter, letterRole, parsed.data, currentOrganiser(res)!);
  if (!saved.ok)
    return renderLetterForm(ctx, req, res, { mode: 'edit', values, errors: saved.errors, status: 422, team });
  res.redirect(303, `/organise/letters/${saved.slug}/edit?saved=1`);
}
