import type { DataSource } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../platform/web/languages';
import { RateLimited, NotFound } from '../../platform/web/errors';
import { limitKeyForIp } from '../../platform/web/network';
import { enqueue } from '../../platform/mail/queue';
import type { AuditActor } from '../../core/audit';
import type { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { recordInstanceAudit } from '../admin';
import { reportRule } from './limits';
import type { ReportDecision, ReportForm, ReportReason } from './report.schema';

export const TASK_REPORT_ANSWER = 'report-answer';
export interface ReportAnswerJob {
  reportId: string;
}

/** Letters shown on one page of the admins' queue, and reports' words shown per letter. */
export const REPORT_QUEUE_LETTERS = 50;
export const REPORT_QUEUE_TEXTS = 50;

/**
 * Retention of what a reporter wrote and the address they gave: the address goes as soon as the
 * answer is sent; both go this many days after the decision (the admins may look back at a
 * decision for a while), or this many days after the report if nobody decided on it.
 */
export const REPORT_DETAILS_DAYS_AFTER_DECISION = 30;
export const REPORT_UNDECIDED_DAYS = 180;

/**
 * Files a reader's report. The network's counter is consumed first, so a network past its limit
 * writes nothing. Nothing of the request is stored but the form (no address of the network, no
 * session): the report is anonymous unless its author gave an address.
 */
export async function fileReport(
  ctx: AppContext,
  letterId: string,
  form: ReportForm,
  meta: { ip: string; language: Language },
): Promise<void> {
  const limit = await ctx.limits.consume(reportRule, limitKeyForIp(ctx.config.SESSION_SECRET, meta.ip));
  if (!limit.ok) throw new RateLimited(limit.retryAfterSeconds, 'reports.errors.tooMany');
  await ctx.db.query(
    `INSERT INTO letter_reports (letter_id, reason, details, email, language) VALUES ($1, $2, $3, $4, $5)`,
    [letterId, form.reason, form.details ?? null, form.email ?? null, meta.language],
  );
}

export interface ReportedLetter {
  letterId: string;
  slug: string;
  title: string;
  language: Language;
  reports: number;
  /** How many reports give each reason, most given first. */
  reasons: Array<{ reason: ReportReason; count: number }>;
  /** What reporters wrote, newest first (at most REPORT_QUEUE_TEXTS). */
  texts: Array<{ reason: ReportReason; text: string; at: Date }>;
  /** How many reporters asked for an answer (their addresses are not shown). */
  wantAnswer: number;
  firstAt: Date;
  lastAt: Date;
}

/**
 * The admins' queue of reports: the letters with reports not yet decided, most reported first,
 * each with its reports grouped (how many, the reasons, the words).
 */
export async function reportQueue(db: DataSource, lang: Language): Promise<ReportedLetter[]> {
  const groups: Array<{
    letter_id: string;
    slug: string;
    default_language: Language;
    reports: number;
    reasons: Array<{ reason: ReportReason; count: number }>;
    want_answer: number;
    first_at: Date;
    last_at: Date;
  }> = await db.query(
    `SELECT r.letter_id, l.slug, l.default_language, count(*)::int AS reports,
            (SELECT json_agg(json_build_object('reason', x.reason, 'count', x.n) ORDER BY x.n DESC, x.reason)
               FROM (SELECT reason, count(*)::int AS n FROM letter_reports
                      WHERE letter_id = r.letter_id AND decision_id IS NULL GROUP BY reason) x) AS reasons,
            count(r.email)::int AS want_answer, min(r.created_at) AS first_at, max(r.created_at) AS last_at
       FROM letter_reports r JOIN letters l ON l.id = r.letter_id
      WHERE r.decision_id IS NULL
      GROUP BY r.letter_id, l.slug, l.default_language
      ORDER BY count(*) DESC, max(r.created_at) DESC
      LIMIT $1`,
    [REPORT_QUEUE_LETTERS],
  );
  if (!groups.length) return [];
  const ids = groups.map((g) => g.letter_id);
  const [translations, texts] = await Promise.all([
    db.query<Array<Pick<LetterTranslation, 'letterId' | 'language' | 'title'>>>(
      `SELECT letter_id AS "letterId", language, title FROM letter_translations WHERE letter_id = ANY($1::uuid[])`,
      [ids],
    ),
    db.query<Array<{ letter_id: string; reason: ReportReason; details: string; created_at: Date }>>(
      `SELECT t.letter_id, t.reason, t.details, t.created_at
         FROM unnest($1::uuid[]) AS g(letter_id),
              LATERAL (SELECT letter_id, reason, details, created_at FROM letter_reports
                        WHERE letter_id = g.letter_id AND decision_id IS NULL AND details IS NOT NULL
                        ORDER BY created_at DESC LIMIT $2) t`,
      [ids, REPORT_QUEUE_TEXTS],
    ),
  ]);
  return groups.map((g) => {
    const version = findTranslation(
      translations.filter((t) => t.letterId === g.letter_id) as LetterTranslation[],
      g.default_language,
      [lang],
    );
    return {
      letterId: g.letter_id,
      slug: g.slug,
      title: version?.title ?? g.slug,
      language: version?.language ?? g.default_language,
      reports: g.reports,
      reasons: g.reasons,
      texts: texts
        .filter((t) => t.letter_id === g.letter_id)
        .map((t) => ({ reason: t.reason, text: t.details, at: t.created_at })),
      wantAnswer: g.want_answer,
      firstAt: g.first_at,
      lastAt: g.last_at,
    };
  });
}

/**
 * An admin's decision on every report of a letter not yet decided: one decision row, the reports
 * pointed at it, the instance's trail, and an answer queued for each reporter who gave an
 * address, all in one transaction. Reports filed while the admin read the queue are decided too
 * (the admin decides on the letter). None left to decide: not found.
 */
export async function decideReports(
  db: DataSource,
  letterId: string,
  admin: AuditActor,
  decision: { decision: ReportDecision; note?: string },
): Promise<{ reports: number }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<Array<{ id: string; slug: string }>>(
      `INSERT INTO letter_report_decisions (letter_id, admin_id, decision, note, reports)
       SELECT l.id, $2, $3, $4, 0
         FROM letters l
        WHERE l.id = $1 AND EXISTS (SELECT 1 FROM letter_reports WHERE letter_id = l.id AND decision_id IS NULL)
       RETURNING id, (SELECT slug FROM letters WHERE id = $1) AS slug`,
      [letterId, admin.id, decision.decision, decision.note ?? ''],
    );
    if (!row) throw new NotFound();
    // TypeORM answers an UPDATE with [rows, affected].
    const [decided] = await tx.query<[Array<{ id: string; email: string | null }>, number]>(
      `UPDATE letter_reports SET decision_id = $2 WHERE letter_id = $1 AND decision_id IS NULL RETURNING id, email`,
      [letterId, row.id],
    );
    await tx.query(`UPDATE letter_report_decisions SET reports = $2 WHERE id = $1`, [row.id, decided.length]);
    for (const r of decided)
      if (r.email) await enqueue(tx, TASK_REPORT_ANSWER, { reportId: r.id } satisfies ReportAnswerJob);
    // The trail names the letter and the decision, never a reporter.
    await recordInstanceAudit(tx, {
      actor: admin,
      action: 'reports.decide',
      detail: { letterId, slug: row.slug, decision: decision.decision, reports: decided.length },
    });
    return { reports: decided.length };
  });
}

/** What the answer to one reporter says, read by the job that sends it. */
export async function reportAnswer(
  db: DataSource,
  reportId: string,
): Promise<{
  email: string;
  language: Language;
  decision: ReportDecision;
  note: string;
  slug: string;
  title: string;
} | null> {
  const [row] = await db.query<
    Array<{
      email: string;
      language: Language;
      decision: ReportDecision;
      note: string;
      slug: string;
      letter_id: string;
      default_language: Language;
    }>
  >(
    `SELECT r.email, r.language, d.decision, d.note, l.slug, l.id AS letter_id, l.default_language
       FROM letter_reports r
       JOIN letter_report_decisions d ON d.id = r.decision_id
       JOIN letters l ON l.id = r.letter_id
      WHERE r.id = $1 AND r.email IS NOT NULL AND r.answered_at IS NULL`,
    [reportId],
  );
  if (!row) return null;
  const translations = await db.query<Array<Pick<LetterTranslation, 'letterId' | 'language' | 'title'>>>(
    `SELECT letter_id AS "letterId", language, title FROM letter_translations WHERE letter_id = $1`,
    [row.letter_id],
  );
  const version = findTranslation(translations as LetterTranslation[], row.default_language, [row.language]);
  return { ...row, title: version?.title ?? row.slug };
}

/** The answer is sent: the address has done its work. */
export async function forgetReporterAddress(db: DataSource, reportId: string): Promise<void> {
  await db.query(`UPDATE letter_reports SET email = NULL, answered_at = now() WHERE id = $1`, [reportId]);
}

/**
 * Retention: the words and addresses of reports decided REPORT_DETAILS_DAYS_AFTER_DECISION days
 * ago, or filed REPORT_UNDECIDED_DAYS ago and never decided. The reason, the letter and the dates
 * stay (the counts of the moderation record). Returns how many reports were emptied.
 */
export async function eraseReportDetails(db: DataSource): Promise<number> {
  const [, updated] = await db.query<[unknown, number]>(
    `UPDATE letter_reports r SET details = NULL, email = NULL
      WHERE (r.details IS NOT NULL OR r.email IS NOT NULL)
        AND (r.created_at < now() - make_interval(days => $2)
             OR EXISTS (SELECT 1 FROM letter_report_decisions d
                         WHERE d.id = r.decision_id AND d.decided_at < now() - make_interval(days => $1)))`,
    [REPORT_DETAILS_DAYS_AFTER_DECISION, REPORT_UNDECIDED_DAYS],
  );
  return updated;
}
