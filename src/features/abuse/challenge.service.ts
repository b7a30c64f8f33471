import type {
  Challenge,
  CreateChallengeOptions,
  DeriveKeyFunction,
  Solution,
  VerifySolutionOptions,
  VerifySolutionResult,
} from 'altcha-lib' with { 'resolution-mode': 'import' };
import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Config } from '../../platform/config';
import { listAudit, recordAudit, type AuditActor } from '../../core/audit';
import { pgPool } from '../../platform/db/pool';
import { MicroCache } from '../../platform/web/micro-cache';

/**
 * Challenge mode: while a letter is under attack its sign form asks the browser for a proof of
 * work (ALTCHA: the widget and its worker are served from this site, the challenge is made and
 * checked here, nothing goes to another host). A signature without a solved challenge is still
 * taken and answered like any other, but held for review: nobody without JavaScript is turned
 * away, and a bot learns nothing from the answer.
 */

export const CHALLENGE_ALGORITHM = 'PBKDF2/SHA-256';

/**
 * altcha-lib's types are those of its ES module build; it is loaded with import() (which a
 * CommonJS build keeps), once.
 */
interface AltchaLib {
  createChallenge: (options: CreateChallengeOptions) => Promise<Challenge>;
  verifySolution: (options: VerifySolutionOptions) => Promise<VerifySolutionResult>;
  randomInt: (max: number, min?: number) => number;
}
let altcha: Promise<[AltchaLib, { deriveKey: DeriveKeyFunction }]> | undefined;
function altchaLib(): Promise<[AltchaLib, { deriveKey: DeriveKeyFunction }]> {
  altcha ??= Promise.all([import('altcha-lib'), import('altcha-lib/algorithms/pbkdf2')]);
  return altcha;
}

/** Who last changed a letter's mode: abuse control by itself, or an owner's switch. */
export type ChallengeCause = 'auto' | 'owner';

export interface ChallengeModeState {
  active: boolean;
  cause: ChallengeCause | null;
  changedAt: Date | null;
}

/**
 * Two secrets derived from SESSION_SECRET, one per use: the challenge's own signature, and the
 * signature of the answer the server computed when it made the challenge ("deterministic mode":
 * checking a solution then costs two HMACs, not a key derivation).
 */
function secrets(config: Config): { challenge: string; key: string } {
  return { challenge: `altcha-challenge:${config.SESSION_SECRET}`, key: `altcha-key:${config.SESSION_SECRET}` };
}

/**
 * A fresh challenge for a letter's sign form. The server derives the answer's key once (one
 * attempt's work, CHALLENGE_COST rounds); the browser tries on average three quarters of
 * CHALLENGE_MAX_ATTEMPTS attempts to find it.
 */
export async function issueChallenge(config: Config, letterId: string): Promise<Challenge> {
  const s = secrets(config);
  const [{ createChallenge, randomInt }, { deriveKey }] = await altchaLib();
  return createChallenge({
    algorithm: CHALLENGE_ALGORITHM,
    cost: config.CHALLENGE_COST,
    counter: randomInt(config.CHALLENGE_MAX_ATTEMPTS, Math.ceil(config.CHALLENGE_MAX_ATTEMPTS / 2)),
    deriveKey,
    data: { letter: letterId },
    expiresAt: new Date(Date.now() + config.CHALLENGE_EXPIRES_MINUTES * 60_000),
    hmacSignatureSecret: s.challenge,
    hmacKeySignatureSecret: s.key,
  });
}

/** The widget's field: base64 of JSON { challenge, solution }. Anything else is no solution. */
function parsePayload(raw: string): { challenge: Challenge; solution: Solution } | null {
  try {
    const p = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
    if (!p || typeof p !== 'object') return null;
    const { challenge, solution } = p as { challenge?: Challenge; solution?: Solution };
    if (
      !challenge ||
      typeof challenge !== 'object' ||
      !challenge.parameters ||
      typeof challenge.parameters !== 'object'
    )
      return null;
    if (!solution || typeof solution !== 'object') return null;
    return { challenge, solution };
  } catch {
    return null;
  }
}

/**
 * Whether `raw` is a solved challenge made for this letter, not expired, and never used before.
 * An accepted solution is remembered until its challenge expires, in the same statement that
 * checks it (INSERT … ON CONFLICT DO NOTHING): of two submissions of one solution, exactly one
 * passes, whichever process takes them.
 */
export async function acceptSolution(ctx: AppContext, letterId: string, raw: string | undefined): Promise<boolean> {
  if (!raw) return false;
  const payload = parsePayload(raw);
  if (!payload) return false;
  const s = secrets(ctx.config);
  const [{ verifySolution }, { deriveKey }] = await altchaLib();
  let verified: boolean;
  try {
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: s.challenge,
      hmacKeySignatureSecret: s.key,
    });
    verified = result.verified;
  } catch {
    // A malformed challenge (a wrong algorithm name, a non-hex field) is no solution.
    return false;
  }
  const params = payload.challenge.parameters;
  if (!verified || params.data?.letter !== letterId || typeof params.nonce !== 'string' || !params.expiresAt)
    return false;
  const { rowCount } = await pgPool(ctx.db).query({
    name: 'challenge-solution-once',
    text: `INSERT INTO challenge_solutions (challenge_id, expires_at) VALUES ($1, to_timestamp($2))
           ON CONFLICT (challenge_id) DO NOTHING`,
    values: [params.nonce, params.expiresAt],
  });
  return rowCount === 1;
}

/** Solutions whose challenge expired can no longer be replayed: their rows only take room. */
export async function sweepExpiredSolutions(db: DataSource): Promise<void> {
  await db.query('DELETE FROM challenge_solutions WHERE expires_at < now()');
}

/**
 * Each letter's mode, read at most every two seconds per process: a signature must not pay a
 * query for a flag that changes a few times a day. Changes made in this process apply at once.
 */
const modes = new MicroCache<boolean>(2_000);

export function isChallengeMode(db: DataSource, letterId: string): Promise<boolean> {
  return modes.get(letterId, async () => {
    const { rows } = await pgPool(db).query<{ active: boolean }>({
      name: 'challenge-mode-read',
      text: 'SELECT active FROM letter_challenge_modes WHERE letter_id = $1',
      values: [letterId],
    });
    return rows[0]?.active ?? false;
  });
}

export async function challengeModeState(
  db: DataSource | EntityManager,
  letterId: string,
): Promise<ChallengeModeState> {
  const rows: Array<{ active: boolean; cause: ChallengeCause; changed_at: Date }> = await db.query(
    'SELECT active, cause, changed_at FROM letter_challenge_modes WHERE letter_id = $1',
    [letterId],
  );
  const r = rows[0];
  return r
    ? { active: r.active, cause: r.cause, changedAt: r.changed_at }
    : { active: false, cause: null, changedAt: null };
}

/** The letter's changes of mode, newest first, for the dashboard. */
export async function challengeModeChanges(db: DataSource, letterId: string, limit = 10) {
  const [on, off] = await Promise.all([
    listAudit(db, letterId, { kind: 'abuse.challenge-mode-on', limit }),
    listAudit(db, letterId, { kind: 'abuse.challenge-mode-off', limit }),
  ]);
  return [...on, ...off].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, limit);
}

/**
 * On entering challenge mode, the attack's first signatures are already in: those of the last
 * CHALLENGE_WINDOW_MINUTES that are still unconfirmed, came without a solved challenge and are not
 * held yet, are held now (challenge-missing), before a bot confirms them through its own
 * mailboxes. None of them is counted yet, so no count changes. A person among them waits for an
 * organiser's release like any other held signer.
 */
async function holdRecentUnsolved(tx: EntityManager, letterId: string, windowMinutes: number): Promise<number> {
  const [, n] = await tx.query<[unknown, number]>(
    `UPDATE signatures SET held_reason = 'challenge-missing'
      WHERE letter_id = $1 AND created_at > now() - $2::float8 * interval '1 minute'
        AND status = 'pending' AND held_reason IS NULL AND NOT challenge_solved`,
    [letterId, windowMinutes],
  );
  return n;
}

/**
 * Turns a letter's mode on or off, and records the change in the audit trail in the same
 * transaction. Returns whether anything changed (switching on a letter already on changes
 * nothing, except that an owner's switch takes it over from abuse control: it then stays on until
 * an owner switches it off).
 */
async function changeMode(
  ctx: AppContext,
  letterId: string,
  to: boolean,
  actor: AuditActor | null,
  detail: Record<string, unknown>,
  opts: { onlyIfAuto?: boolean; quietBefore?: Date } = {},
): Promise<boolean> {
  const cause: ChallengeCause = actor ? 'owner' : 'auto';
  const changed = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO letter_challenge_modes (letter_id, active, cause) VALUES ($1, false, $2) ON CONFLICT (letter_id) DO NOTHING`,
      [letterId, cause],
    );
    const rows: Array<{ active: boolean; cause: ChallengeCause; last_abuse_at: Date | null }> = await tx.query(
      'SELECT active, cause, last_abuse_at FROM letter_challenge_modes WHERE letter_id = $1 FOR UPDATE',
      [letterId],
    );
    const row = rows[0];
    // The automatic exit re-reads under the lock: an attack seen since the chore looked keeps it on.
    if (
      opts.onlyIfAuto &&
      (row.cause !== 'auto' || (opts.quietBefore && row.last_abuse_at && row.last_abuse_at > opts.quietBefore))
    )
      return false;
    if (row.active === to && (row.cause === cause || !to || !actor)) return false;
    await tx.query(
      `UPDATE letter_challenge_modes SET active = $2, cause = $3, changed_at = now() WHERE letter_id = $1`,
      [letterId, to, cause],
    );
    if (row.active !== to) {
      const heldBack = to ? await holdRecentUnsolved(tx, letterId, ctx.config.CHALLENGE_WINDOW_MINUTES) : 0;
      await recordAudit(tx, {
        letterId,
        actor,
        kind: to ? 'abuse.challenge-mode-on' : 'abuse.challenge-mode-off',
        detail: { cause, ...detail, ...(to ? { heldBack } : {}) },
      });
    }
    return true;
  });
  if (changed) modes.forget(letterId);
  return changed;
}

/** An owner's switch. */
export async function setChallengeMode(
  ctx: AppContext,
  letterId: string,
  on: boolean,
  actor: AuditActor,
): Promise<boolean> {
  const changed = await changeMode(ctx, letterId, on, actor, {});
  if (changed) ctx.log.info({ letterId, on }, 'challenge mode switched by an owner');
  return changed;
}

/**
 * When each letter's recent signatures were last weighed, per process: a held signature asks for
 * a look at most every few seconds, not one query per bot request.
 */
const lastLook = new Map<string, number>();
/** Held signatures this process saw since it last looked, per letter. */
const heldSinceLook = new Map<string, number>();
const LOOK_EVERY_MS = 2_000;

/**
 * Called after a signature was held (a soft limit, a disposable address, a missing challenge):
 * weighs the letter's signatures over the last CHALLENGE_WINDOW_MINUTES. If at least
 * CHALLENGE_MIN_HELD were held and they are at least CHALLENGE_HELD_SHARE of all, that is abuse:
 * its time is noted (the quiet period counts from it) and a letter not yet in challenge mode
 * enters it. A legitimate surge holds nobody, so it never gets here.
 */
export async function weighRecentSigning(ctx: AppContext, letterId: string): Promise<void> {
  const now = Date.now();
  const c = ctx.config;
  // At most one look every two seconds, unless enough held signatures arrived since the last one
  // to tip the balance: a fast burst must not slip through between two looks.
  const seen = (heldSinceLook.get(letterId) ?? 0) + 1;
  if ((lastLook.get(letterId) ?? 0) > now - LOOK_EVERY_MS && seen < c.CHALLENGE_MIN_HELD) {
    heldSinceLook.set(letterId, seen);
    return;
  }
  if (lastLook.size > 10_000) {
    lastLook.clear();
    heldSinceLook.clear();
  }
  lastLook.set(letterId, now);
  heldSinceLook.set(letterId, 0);
  const { rows } = await pgPool(ctx.db).query<{ total: number; held: number }>({
    name: 'challenge-weigh-recent',
    text: `SELECT count(*)::int AS total, count(*) FILTER (WHERE held_reason IS NOT NULL OR released_at IS NOT NULL)::int AS held
             FROM signatures WHERE letter_id = $1 AND created_at > now() - $2::float8 * interval '1 minute'`,
    values: [letterId, c.CHALLENGE_WINDOW_MINUTES],
  });
  const { total, held } = rows[0] ?? { total: 0, held: 0 };
  if (held < c.CHALLENGE_MIN_HELD || held < c.CHALLENGE_HELD_SHARE * total) return;
  await ctx.db.query(
    `INSERT INTO letter_challenge_modes (letter_id, active, cause, last_abuse_at) VALUES ($1, false, 'auto', now())
     ON CONFLICT (letter_id) DO UPDATE SET last_abuse_at = now()`,
    [letterId],
  );
  if (await changeMode(ctx, letterId, true, null, { held, total, windowMinutes: c.CHALLENGE_WINDOW_MINUTES })) {
    ctx.log.warn({ letterId, held, total }, 'challenge mode on: many recent signatures held');
  }
}

/**
 * The automatic exit, run by the worker every minute: a letter that abuse control put in
 * challenge mode leaves it once no abuse was seen for CHALLENGE_QUIET_MINUTES. An owner's switch
 * stays until an owner turns it off.
 */
export async function leaveQuietLetters(ctx: AppContext): Promise<number> {
  const quietBefore = new Date(Date.now() - ctx.config.CHALLENGE_QUIET_MINUTES * 60_000);
  const rows: Array<{ letter_id: string }> = await ctx.db.query(
    `SELECT letter_id FROM letter_challenge_modes
      WHERE active AND cause = 'auto' AND coalesce(last_abuse_at, changed_at) < $1`,
    [quietBefore],
  );
  let left = 0;
  for (const r of rows) {
    if (
      await changeMode(
        ctx,
        r.letter_id,
        false,
        null,
        { quietMinutes: ctx.config.CHALLENGE_QUIET_MINUTES },
        { onlyIfAuto: true, quietBefore },
      )
    ) {
      left += 1;
      ctx.log.info({ letterId: r.letter_id }, 'challenge mode off: quiet period over');
    }
  }
  return left;
}
