import { actorLabel, auditChainHead, type AuditSummaryGroup, auditSummary, type QueryRows } from '../../core/audit';
import type { Language } from '../../core/letters/letter.entity';
import { tFor } from '../../platform/web/i18n';

/**
 * The delivery pack's last page, phrased: "3 signatures invalidated by O. Organiser on 12 May
 * 2026: duplicate person". Each kind of action is named by its own feature's catalogue
 * (`<catalogue>.auditSummary.<action>`, with the count); a kind without such a phrase is counted
 * as "other recorded actions". No free text typed by an organiser goes in (a reason could name a
 * signer): only the category, the organiser's name and the day.
 */
export function auditSummaryLines(groups: readonly AuditSummaryGroup[], language: Language): string[] {
  const t = tFor(language);
  const dayFormat = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
  return groups
    .filter((g) => g.count > 0)
    .map((g) => {
      const at = g.kind.indexOf('.');
      const what =
        (at > 0
          ? t(`${g.kind.slice(0, at)}.auditSummary.${g.kind.slice(at + 1)}`, { count: g.count, defaultValue: '' })
          : '') || t('exports.pdfAudit.other', { count: g.count });
      const actor = actorLabel(g.actorId, g.actorName, {
        platform: t('exports.pdfAudit.platform'),
        unnamed: t('exports.pdfAudit.unnamed'),
      });
      const date = dayFormat.format(new Date(`${g.day}T00:00:00Z`));
      const category = g.category ? t(`exports.pdfAudit.categories.${g.category}`, { defaultValue: '' }) : '';
      return category
        ? t('exports.pdfAudit.lineWithCategory', { what, actor, date, category })
        : t('exports.pdfAudit.line', { what, actor, date });
    });
}

/** Reads the letter's trail through `query` (the export's snapshot) and phrases it for the pack. */
export async function readAuditSummary(query: QueryRows, letterId: string, language: Language): Promise<string[]> {
  return auditSummaryLines(await auditSummary(query, letterId), language);
}

/**
 * The letter's audit-trail chain head as the pack prints it: the newest entry's place and hash,
 * read in the export's snapshot. Whoever holds the pack can later compare it with the trail (npm
 * run audit -- verify): a trail changed afterwards, even by the table's owner, no longer leads to it.
 */
export async function readAuditChainHead(query: QueryRows, letterId: string, language: Language): Promise<string> {
  const t = tFor(language);
  const head = await auditChainHead(query, letterId);
  return head ? t('exports.pdfAudit.chainHead', { seq: head.seq, hash: head.hash }) : t('exports.pdfAudit.chainEmpty');
}
