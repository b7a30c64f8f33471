import type { AppContext } from '../../platform/context';
import { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import type { Mailer } from '../../platform/mail/mailer';
import { ownerDigestEmail, type OwnerDigestMail } from './emails';
import { Organiser } from '../../core/access';
import { verifiedCount } from '../../core/letters/counts.service';
import { formatDate } from '../../platform/web/i18n';
import { issueDigestUnsubscribeToken } from './unsubscribe.service';

export const TASK_DAILY_DIGEST = 'daily-digest';
export const TASK_OWNER_DIGEST_EMAIL = 'owner-digest-email';
/** Every day at 07:00 (the worker's time zone); graphile-worker runs each tick once across all workers. */
export const DAILY_DIGEST_CRONTAB = `0 7 * * * ${TASK_DAILY_DIGEST}`;

export const MILESTONES = [25, 50, 75, 100] as const;
const DAY_MS = 86_400_000;

export interface OwnerDigestJob {
  organiserId: string;
  /** End of the 24 hours the digest reports (ISO): fixed when queued, so a retry says the same. */
  until: string;
}

/**
 * The cron task: queues one digest email per owner who has not switched it off, in one
 * statement. The job key (owner + day) keeps a repeated tick from mailing anyone twice.
 */
export async function runDailyDigest(ctx: AppContext, now = new Date()): Promise<number> {
  const day = now.toISOString().slice(0, 10);
  const rows = await ctx.db.query<Array<{ id: string }>>(
    `SELECT o.id, graphile_worker.add_job($1, json_build_object('organiserId', o.id, 'until', $2::text),
              job_key => 'digest:' || o.id || ':' || $3, max_attempts => 5)
       FROM organisers o
      WHERE o.digest_enabled
        AND EXISTS (SELECT 1 FROM letter_organisers lo JOIN letters l ON l.id = lo.letter_id
                     WHERE lo.organiser_id = o.id AND lo.role = 'owner' AND l.status <> 'draft')`,
    [TASK_OWNER_DIGEST_EMAIL, now.toISOString(), day],
  );
  ctx.log.info({ owners: rows.length }, 'daily digests queued');
  return rows.length;
}

/** Milestones (percent of the goal) that the count passed between `before` and `after`. */
export function milestonesCrossed(goal: number | null, before: number, after: number): number[] {
  if (!goal) return [];
  return MILESTONES.filter((pct) => {
    const threshold = Math.ceil((goal * pct) / 100);
    return before < threshold && after >= threshold;
  });
}

interface WindowStats {
  letter_id: string;
  confirmed: string;
  started: string;
  started_confirmed: string;
}

/** One owner's digest: per letter, new counted signatures, how many of the day's signers confirmed, milestones. */
export async function sendOwnerDigest(ctx: AppContext, mailer: Mailer, job: OwnerDigestJob): Promise<void> {
  const organiser = await ctx.db.getRepository(Organiser).findOneBy({ id: job.organiserId });
  if (!organiser || !organiser.digestEnabled) return; // switched off since the cron tick
  const until = new Date(job.until);
  const since = new Date(until.getTime() - DAY_MS);
  const letters = await ctx.db
    .getRepository(Letter)
    .createQueryBuilder('l')
    .leftJoinAndSelect('l.translations', 't')
    .innerJoin('letter_organisers', 'lo', `lo.letter_id = l.id AND lo.organiser_id = :o AND lo.role = 'owner'`, {
      o: organiser.id,
    })
    .where(`l.status <> 'draft'`)
    .orderBy('l.created_at', 'ASC')
    .getMany();
  if (!letters.length) return;
  const stats = await ctx.db.query<WindowStats[]>(
    `SELECT letter_id,
            count(*) FILTER (WHERE status = 'confirmed' AND held_reason IS NULL AND confirmed_at > $2 AND confirmed_at <= $3) AS confirmed,
            count(*) FILTER (WHERE source = 'online' AND created_at > $2 AND created_at <= $3) AS started,
            count(*) FILTER (WHERE source = 'online' AND created_at > $2 AND created_at <= $3 AND status = 'confirmed') AS started_confirmed
       FROM signatures WHERE letter_id = ANY($1) GROUP BY letter_id`,
    [letters.map((l) => l.id), since, until],
  );
  const byLetter = new Map(stats.map((s) => [s.letter_id, s]));
  const lang = 'en' as const; // organisers have no language setting yet
  const base = ctx.config.BASE_URL;
  const items: OwnerDigestMail['letters'] = [];
  for (const letter of letters) {
    const s = byLetter.get(letter.id);
    const newSignatures = Number(s?.confirmed ?? 0);
    const started = Number(s?.started ?? 0);
    const total = await verifiedCount(ctx.db, letter.id);
    const title = chooseTranslation(letter.translations, letter.defaultLanguage, [lang]).title;
    items.push({
      title,
      url: `${base}/letters/${letter.slug}`,
      newSignatures,
      started,
      verificationRate: started ? Math.round((100 * Number(s?.started_confirmed ?? 0)) / started) : null,
      total,
      goal: letter.goal,
      milestones: milestonesCrossed(letter.goal, total - newSignatures, total),
    });
  }
  const unsubscribeToken = await ctx.db.transaction((tx) => issueDigestUnsubscribeToken(tx, organiser.id));
  const message = ownerDigestEmail(lang, {
    name: organiser.name,
    date: formatDate(until, lang),
    letters: items,
    settingsUrl: `${base}/organise/settings/digest`,
    unsubscribeUrl: `${base}/u/${unsubscribeToken}`,
  });
  await mailer.send(organiser.email, lang, message);
  ctx.log.info({ organiserId: organiser.id, letters: items.length }, 'daily digest sent');
}
