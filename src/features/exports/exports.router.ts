import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { LANGUAGES, type Letter } from '../../core/letters/letter.entity';
import { findTranslation } from '../../core/letters/letters.service';
import type { OrganiserLocals } from '../../core/access';
import { OWNER_ONLY, requireLetterRole, requireOrganiser } from '../../core/access';
import { Forbidden } from '../../platform/web/errors';
import { countryOptions } from '../../platform/web/i18n';
import { parseForm } from '../../platform/web/validate';
import { asksForEmail, exportFormSchema, exportRequest } from './export-form.schema';
import { defaultColumns, EXPORT_COLUMNS, PDF_MAX_ROWS, PdfTooLarge } from './export.service';
import { sendExport } from './export-download';
import { EXPORT_PURPOSES, EXPORT_SCOPES } from './export-query';
import { exportFormats } from './writers';

function letterOf(res: Response): Letter {
  return (res.locals as Required<OrganiserLocals>).letter;
}

/** The form as first shown: the usual delivery pack, in the reader's language when the letter has it. */
function defaults(req: Request, letter: Letter): Record<string, unknown> {
  const languages = letter.translations.map((t) => t.language);
  return {
    format: 'pdf',
    purpose: 'delivery',
    scope: 'verified',
    from: '',
    to: '',
    country: '',
    signedAs: '',
    columns: defaultColumns(letter),
    includeEmail: false,
    language: languages.includes(req.lang) ? req.lang : letter.defaultLanguage,
  };
}

/**
 * Owners and editors download the signatures of their letter: CSV, XLSX, JSON lines or the PDF
 * delivery pack. Only owners may include email addresses; an editor who asks gets 403.
 */
export function exportsRouter(ctx: AppContext): Router {
  const r = Router();
  const guard = [requireOrganiser, requireLetterRole(ctx, 'owner', 'editor')];

  function render(
    req: Request,
    res: Response,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    const letter = letterOf(res);
    const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
    const columns =
      values.columns === undefined ? [] : Array.isArray(values.columns) ? values.columns : [values.columns];
    res.status(status).render('exports/export-form', {
      title: req.t('exports.form.title'),
      letter: { slug: letter.slug, title: version?.title ?? letter.slug },
      letterLanguages: LANGUAGES.filter((l) => letter.translations.some((t) => t.language === l)),
      values: { ...values, columns, includeEmail: values.includeEmail === true || values.includeEmail === 'on' },
      errors,
      formats: exportFormats,
      purposes: EXPORT_PURPOSES,
      scopes: EXPORT_SCOPES,
      allColumns: EXPORT_COLUMNS,
      countries: countryOptions(req.lang),
      pdfMaxRows: PDF_MAX_ROWS,
      // Email addresses are the owners' to export; editors export names without them.
      canIncludeEmail: (res.locals as Required<OrganiserLocals>).letterRole === 'owner',
    });
  }

  r.get('/organise/letters/:slug/export', ...guard, (req, res) => {
    render(req, res, defaults(req, letterOf(res)));
  });

  r.post('/organise/letters/:slug/export', ...guard, async (req, res) => {
    const letter = letterOf(res);
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    delete body._csrf;
    if (asksForEmail(body) && (res.locals as Required<OrganiserLocals>).letterRole !== 'owner')
      throw new Forbidden(OWNER_ONLY);
    const parsed = parseForm(exportFormSchema, body);
    if (!parsed.ok) return render(req, res, body, parsed.errors, 422);
    const form = parsed.data;
    const organiser = (res.locals as Required<OrganiserLocals>).organiser;
    await sendExport(ctx, exportRequest(form, letter, organiser.id), req, res, {
      what: 'export aborted',
      letterId: letter.id,
      refused: (err) => {
        if (err instanceof PdfTooLarge) return render(req, res, body, { format: 'exports.errors.pdfTooLarge' }, 422);
        throw err;
      },
    });
  });

  return r;
}
