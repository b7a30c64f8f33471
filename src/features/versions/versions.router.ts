import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { findPublicLetter, renderMarkdown } from '../../core/letters/letters.service';
import { askedLanguage, slugParam, versionFor } from '../../core/letters/letter-request';
import {
  listTextVersionHeads,
  type TextVersion,
  type TextVersionHead,
  withText,
} from '../../core/letters/text-versions';
import { AppError, NotFound } from '../../platform/web/errors';
import { storedDiff } from './text-diffs.service';
import { diffQuerySchema, versionParamsSchema } from './versions.schema';

export const VERSIONS_CSS = '<link rel="stylesheet" href="/static/versions.css">';

class BadVersion extends AppError {
  constructor(messageKey: string) {
    super(400, 'bad_version', messageKey);
  }
}

/** The versions of the text the reader asked for (?lang=, like the letter page), oldest first, without their texts. */
async function versionsFor(ctx: AppContext, req: Request, letter: Letter): Promise<TextVersionHead[]> {
  const asked = askedLanguage(req);
  // An earlier language the letter no longer has is still readable by its ?lang=.
  if (asked) {
    const list = await listTextVersionHeads(ctx.db, letter, asked);
    if (list.length) return list;
  }
  return listTextVersionHeads(ctx.db, letter, versionFor(req, letter).language);
}

/**
 * A version's text rendered once: a kept version never changes, and the current one is keyed by
 * its words, so an edit in place is rendered anew. Bounded by the characters it holds (a text is
 * at most 100,000 characters), the least recently read going first.
 */
export class RenderedTexts {
  private readonly entries = new Map<string, string>();
  private size = 0;

  constructor(private readonly maxChars = 8_000_000) {}

  html(letterId: string, version: TextVersion): string {
    const digest = crypto.createHash('sha256').update(version.body).digest('base64url');
    const key = `${letterId}\u0000${version.language}\u0000${version.version}\u0000${digest}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const html = renderMarkdown(version.body);
    this.entries.set(key, html);
    this.size += html.length;
    for (const [k, v] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(k);
      this.size -= v.length;
    }
    return html;
  }
}

function firstProblem(error: { issues: Array<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'versions.errors.version';
}

/** Every earlier text of a letter stays readable, and any two can be compared word by word (as stored by the diff job). */
export function versionsRouter(ctx: AppContext): Router {
  const r = Router();
  const rendered = new RenderedTexts();

  r.get('/letters/:slug/versions/:n', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const params = versionParamsSchema.safeParse(req.params);
    if (!params.success) throw new BadVersion(firstProblem(params.error));
    const versions = await versionsFor(ctx, req, letter);
    const head = versions.find((v) => v.version === params.data.n);
    if (!head) throw new NotFound();
    const shown = await withText(ctx.db, letter, head);
    res.render('versions/version', {
      title: req.t('versions.page.title', { version: shown.version, title: shown.title }),
      headExtra: VERSIONS_CSS,
      slug: letter.slug,
      shown,
      bodyHtml: rendered.html(letter.id, shown),
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
    const beforeHead = versions.find((v) => v.version === fromNumber);
    const afterHead = versions.find((v) => v.version === toNumber);
    if (!beforeHead || !afterHead || beforeHead.version >= afterHead.version) throw new NotFound();
    // The two texts only (their digest says whether the stored diff is of these words).
    const [before, after] = await Promise.all([
      withText(ctx.db, letter, beforeHead),
      withText(ctx.db, letter, afterHead),
    ]);
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
