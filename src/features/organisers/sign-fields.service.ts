import type { AppContext } from '../../platform/context';
import { type AuditActor, recordAudit } from '../../core/audit';
import { forgetCachedLetter } from '../../core/letters/letters.service';
import { askedFields, Letter, SIGN_FIELD_COLUMNS, SIGN_FIELDS, type SignField } from '../../core/letters/letter.entity';

/**
 * The owners' choice of the sign form's optional fields (city, organisation, occupation, the
 * "why I signed" comment), recorded in the letter's audit trail with what was added and removed.
 * Signatures made before keep what they hold; a field no longer asked is ignored when sent.
 * Returns whether anything changed.
 */
export async function setSignFields(
  ctx: AppContext,
  letter: Letter,
  actor: AuditActor,
  asked: Record<SignField, boolean>,
): Promise<boolean> {
  const before = askedFields(letter);
  const added = SIGN_FIELDS.filter((f) => asked[f] && !before[f]);
  const removed = SIGN_FIELDS.filter((f) => !asked[f] && before[f]);
  if (!added.length && !removed.length) return false;
  await ctx.db.transaction(async (tx) => {
    await tx.update(
      Letter,
      { id: letter.id },
      Object.fromEntries(SIGN_FIELDS.map((f) => [SIGN_FIELD_COLUMNS[f], asked[f]])),
    );
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'organisers.sign-fields-changed',
      detail: {
        asked: SIGN_FIELDS.filter((f) => asked[f]).join(', ') || '—',
        added: added.join(', ') || '—',
        removed: removed.join(', ') || '—',
      },
    });
  });
  // The sign route keeps the letter a couple of seconds: the new form applies at once here.
  forgetCachedLetter(letter.id, letter.slug);
  ctx.log.info({ letterId: letter.id, added, removed }, 'sign form fields changed');
  return true;
}
