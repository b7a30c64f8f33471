import type { DataSource, EntityManager } from 'typeorm';

/**
 * Who may start a letter on this instance:
 *   invited  only organisers an admin invited (or added at the command line): the default
 *   approve  anyone with a confirmed email address; a letter is public once an admin approves it
 *   open     anyone, published at once (an instance whose readers all know each other)
 */
export const START_POLICIES = ['invited', 'approve', 'open'] as const;
export type StartPolicy = (typeof START_POLICIES)[number];

/** A published reason an admin rejects a letter with. */
export interface RejectionReason {
  key: string;
  /** The instance's own words; empty for a seeded reason, which the catalogue names (`admin.reasons.<key>`). */
  label: string;
  position: number;
  /** Retired reasons stay for the decisions that used them, and are offered no more. */
  active: boolean;
}

export interface InstanceSettings {
  startPolicy: StartPolicy;
  /** People other than the author who must confirm support before review; 0: none needed. */
  cosponsorsRequired: number;
  /** The instance's public rules (Markdown, the admins' words). */
  rulesText: string;
  /** Every reason, active and retired, in their order. */
  reasons: RejectionReason[];
}

type Db = DataSource | EntityManager;

/** The instance's settings (one row, made by the migration) and its rejection reasons. */
export async function instanceSettings(db: Db): Promise<InstanceSettings> {
  const [row] = await db.query<Array<{ start_policy: StartPolicy; cosponsors_required: number; rules_text: string }>>(
    `SELECT start_policy, cosponsors_required, rules_text FROM instance_settings WHERE id`,
  );
  return {
    startPolicy: row?.start_policy ?? 'invited',
    cosponsorsRequired: row?.cosponsors_required ?? 0,
    rulesText: row?.rules_text ?? '',
    reasons: await rejectionReasons(db),
  };
}

/** Only who may start a letter (what most requests need). */
export async function startPolicy(db: Db): Promise<StartPolicy> {
  const [row] = await db.query<Array<{ start_policy: StartPolicy }>>(
    `SELECT start_policy FROM instance_settings WHERE id`,
  );
  return row?.start_policy ?? 'invited';
}

/** The rejection reasons, in their order; `activeOnly` leaves out the retired ones. */
export async function rejectionReasons(db: Db, opts: { activeOnly?: boolean } = {}): Promise<RejectionReason[]> {
  return db.query<RejectionReason[]>(
    `SELECT key, label, position, active FROM rejection_reasons
      WHERE $1::boolean IS NOT TRUE OR active ORDER BY position, key`,
    [opts.activeOnly ?? false],
  );
}

/** How a reason is named to a reader: the instance's label, else the catalogue's name of a seeded one. */
export function reasonLabel(reason: Pick<RejectionReason, 'key' | 'label'>, t: (key: string) => string): string {
  return reason.label.trim() || t(`admin.reasons.${reason.key}`);
}

/**
 * Whether a letter started by this organiser needs an admin's approval before it is public: under
 * 'approve', unless its starter is an admin. Under 'invited' and 'open', an owner publishes as
 * before.
 */
export function needsReview(policy: StartPolicy, starter: { isAdmin: boolean }): boolean {
  return policy === 'approve' && !starter.isAdmin;
}
