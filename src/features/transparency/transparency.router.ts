import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../platform/web/languages';
import { handlersOf } from '../../platform/web/handlers';
import { prepareBody, sendPrepared, type PreparedBody } from '../../platform/web/cached-response';
import { MicroCache } from '../../platform/web/micro-cache';
import { renderMarkdown } from '../../core/letters/letters.service';
import { instanceSettings, reasonLabel } from '../admin';
import { MODERATION_RECORD_MONTHS, moderationRecord } from './moderation-record.service';

interface Deps {
  ctx: AppContext;
  /** The page per interface language: the record changes when an admin decides, not per reader. */
  pages: MicroCache<PreparedBody>;
}

/** `/moderation`: the instance's rules and the public count of its admins' decisions. */
export function transparencyRouter(ctx: AppContext): Router {
  const on = handlersOf<Deps>({ ctx, pages: new MicroCache(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000) });
  const r = Router();
  r.get('/moderation', on(showModeration));
  return r;
}

const monthFormats = new Map<Language, Intl.DateTimeFormat>();
/** A month as the reader's language names it ("March 2026", "mars 2026", "березень 2026 р."). */
export function monthName(month: Date, lang: Language): string {
  let f = monthFormats.get(lang);
  if (!f)
    monthFormats.set(lang, (f = new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' })));
  return f.format(month);
}

async function showModeration({ ctx, pages }: Deps, req: Request, res: Response): Promise<void> {
  const body = await pages.get(req.lang, async () => {
    const [settings, months] = await Promise.all([instanceSettings(ctx.db), moderationRecord(ctx.db)]);
    // Every reason a shown month used, in the instance's order, retired ones too.
    const used = new Set(months.flatMap((m) => Object.keys(m.rejectedFor)));
    const reasons = settings.reasons
      .filter((r) => r.active || used.has(r.key))
      .map((r) => ({ key: r.key, label: reasonLabel(r, req.t), active: r.active }));
    const html = await renderToString(res, 'transparency/moderation', {
      title: req.t('transparency.title'),
      rulesHtml: settings.rulesText.trim() ? renderMarkdown(settings.rulesText) : null,
      startPolicy: settings.startPolicy,
      reasons,
      months: months.map((m) => ({ ...m, name: monthName(m.month, req.lang) })),
      monthsShown: MODERATION_RECORD_MONTHS,
      totals: {
        approved: months.reduce((s, m) => s + m.approved, 0),
        changes: months.reduce((s, m) => s + m.changes, 0),
        rejected: months.reduce((s, m) => s + m.rejected, 0),
      },
    });
    return prepareBody(html, 'text/html; charset=utf-8');
  });
  sendPrepared(req, res, body);
}

function renderToString(res: Response, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}
