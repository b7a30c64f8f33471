import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import type { Letter } from '../letters/letter.entity';
import { findPublicLetter, renderMarkdown } from '../letters/letters.service';
import { askedLanguage, slugParam, versionFor } from '../letters/letter-request';
import { listTextVersions, type TextVersion } from '../letters/text-versions';
import { AppError, NotFound } from '../web/errors';
import { storedDiff } from './text-diffs.service';
import { diffQuerySchema, versionParamsSchema } from './versions.schema';

export const VERSIONS_CSS = '<link rel="stylesheet" href="/static/versions.css">';

class BadVersion extends AppError {
  constructor(messageKey: string) {
    super(400, 'bad_version', messageKey);
  }
}

/** The versions of the text the reader asked for (?lang=, like the letter page), oldest first. */
async function versionsFor(ctx: AppContext, req: Request, letter: Letter): Promise<TextVersion[]> {
  const asked = askedLanguage(req);
  // An earlier language the letter no longer has is still readable by its ?lang=.
  if (asked) {
    const list = await listTextVersions(ctx.db, letter, asked);
    if (list.length) return list;
  }
  return listTextVersions(ctx.db, letter, versionFor(req, letter).language);
}

function firstProblem(error: { issues: Array<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'versions.errors.version';
}

/** Every earlier text of a letter stays readable, and any two can be compared word by word (as stored by the diff job). */
export function versionsRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/letters/:slug/versions/:n', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const params = versionParamsSchema.safeParse(req.params);
    if (!params.success) throw new BadVersion(firstProblem(params.error));
    const versions = await versionsFor(ctx, req, letter);
    const shown = versions.find((v) => v.version === params.data.n);
    if (!shown) throw new NotFound();
    res.render('versions/version', {
      title: req.t('versions.page.title', { version: shown.version, title: shown.title }),
      headExtra: VERSIONS_CSS,
      slug: letter.slug,
      shown,
      bodyHtml: renderMarkdown(shown.body),
      versions,
      latest: versions[versions.length - 1],
    });
  });

  r.get('/letters/:slug/diff', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const query = diffQuerySchema.safeParse(req.query);
    if (!query.success) throw new BadVersion(firstProblem(query.error));
    const versions = await versionsFor(ctx, req, letter);
    const latest = versions[versions.length - 1];
    const toNumber = query.data.to ?? latest?.version;
    const fromNumber = query.data.from ?? (toNumber ?? 0) - 1;
    const before = versions.find((v) => v.version === fromNumber);
    const after = versions.find((v) => v.version === toNumber);
    if (!before || !after || before.version >= after.version) throw new NotFound();
    // Computed by a job when the version was saved (text-diffs.service.ts), never here.
    const diff = await storedDiff(ctx.db, letter.id, before, after);
    res.render('versions/diff', {
      title: req.t('versions.diff.title', { from: before.version, to: after.version, title: after.title }),
      headExtra: VERSIONS_CSS,
      slug: letter.slug,
      before,
      after,
      diff,
      versions,
    });
  });

  return r;
}
