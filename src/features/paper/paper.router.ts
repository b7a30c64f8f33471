import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import {
  auditActor,
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access';
import { UPDATES_CSS } from '../updates';
import { parsePaperSheet, MAX_PAPER_ROWS, type PaperFileError } from './paper-csv';
import { findImport, importPaperSignatures, paperTextChoices, paperTextSchema, savePreview } from './paper.service';
import { AppError } from '../../platform/web/errors';
import { importSchema } from './paper-import.schema';
import { parseForm } from '../../platform/web/validate';

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

/** Paper signatures: upload a sheet, check every row on a preview, then import the valid rows. */
export function paperRouter(ctx: AppContext): Router {
  const r = Router();
  // Owners and editors both type in the paper sheets collected at events.
  const member = [requireOrganiser, requireLetterRole(ctx, 'owner', 'editor')];

  function view(req: Request, letter: Letter) {
    return {
      headExtra: UPDATES_CSS,
      letter: {
        slug: letter.slug,
        title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
      },
    };
  }

  function renderUpload(
    req: Request,
    res: Response,
    error: PaperFileError | null,
    text = '',
    status = 200,
    line: number | null = null,
  ) {
    const letter = letterOf(res);
    const imported = Number(req.query.imported);
    res.status(status).render('paper/upload', {
      ...view(req, letter),
      title: req.t('updates.paper.title'),
      error,
      line,
      text,
      maxRows: MAX_PAPER_ROWS,
      imported: Number.isSafeInteger(imported) && imported >= 0 && req.query.imported !== undefined ? imported : null,
    });
  }

  r.get('/organise/letters/:slug/paper', ...member, (req, res) => {
    renderUpload(req, res, null);
  });

  // The body was parsed by paperUploadParser (mounted before the CSRF check in app.ts).
  r.post('/organise/letters/:slug/paper', ...member, async (req, res) => {
    const letter = letterOf(res);
    const text = (req.body as Record<string, unknown> | undefined)?.text;
    const pasted = typeof text === 'string' ? text : '';
    const source = req.file?.buffer?.length ? req.file.buffer : pasted;
    const parsed = parsePaperSheet(source, new Date().toISOString().slice(0, 10));
    if (!parsed.ok) return renderUpload(req, res, parsed.error, pasted.slice(0, 50_000), 422, parsed.line ?? null);
    const preview = await savePreview(ctx, letter, parsed.rows, currentOrganiser(res)!.id);
    res.redirect(303, `/organise/letters/${letter.slug}/paper/${preview.id}`);
  });

  r.get('/organise/letters/:slug/paper/:importId', ...member, async (req, res) => {
    const letter = letterOf(res);
    const batch = await findImport(ctx, letter, String(req.params.importId));
    const current = chooseTranslation(letter.translations, letter.defaultLanguage, [letter.defaultLanguage]);
    const duplicates = batch.rows.filter((row) => row.possibleDuplicate && !row.errors.length).length;
    res.render('paper/preview', {
      ...view(req, letter),
      title: req.t('updates.paper.previewTitle'),
      batch,
      duplicates,
      textVersions: await paperTextChoices(ctx, letter),
      defaultText: { language: current.language, version: current.textVersion },
    });
  });

  r.post('/organise/letters/:slug/paper/:importId/import', ...member, async (req, res) => {
    const letter = letterOf(res);
    const batch = await findImport(ctx, letter, String(req.params.importId));
    const text = paperTextSchema.safeParse(req.body);
    if (!text.success) throw new AppError(422, 'bad_version', 'versions.errors.version');
    const form = parseForm(importSchema, req.body ?? {});
    const imported = await importPaperSignatures(
      ctx,
      letter,
      batch.id,
      auditActor(currentOrganiser(res)!),
      form.ok ? form.data.include : new Set(),
      text.data.text,
    );
    res.redirect(303, `/organise/letters/${letter.slug}/paper?imported=${imported}`);
  });

  return r;
}
