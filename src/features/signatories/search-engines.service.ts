import type { DataSource } from 'typeorm';
import type { AuditActor } from '../../core/audit';
import { recordAudit } from '../../core/audit';
import { forgetCachedLetter } from '../../core/letters/letters.service';
import { forgetRobotsTxt } from '../sharing';

/**
 * The owners' switch "keep the names out of search engines" (`letters.signatories_noindex`): the
 * list pages say noindex and robots.txt keeps crawlers out of them while it is on (the default);
 * turned off, the pages drop the noindex and robots.txt lets the letter's list in. The letter
 * page is indexable either way. Recorded in the trail when it changes.
 */
export async function setSignatoriesNoindex(
  db: DataSource,
  letter: { id: string; slug: string },
  noindex: boolean,
  actor: AuditActor,
): Promise<boolean> {
  const changed = await db.transaction(async (tx) => {
    const [, n] = await tx.query<[unknown, number]>(
      `UPDATE letters SET signatories_noindex = $2 WHERE id = $1 AND signatories_noindex <> $2`,
      [letter.id, noindex],
    );
    if (n)
      await recordAudit(tx, {
        letterId: letter.id,
        actor,
        kind: noindex ? 'signatories.noindex-on' : 'signatories.noindex-off',
      });
    return n > 0;
  });
  if (changed) {
    forgetCachedLetter(letter.id, letter.slug);
    forgetRobotsTxt();
  }
  return changed;
}
