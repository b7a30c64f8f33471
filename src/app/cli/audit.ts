import { verifyAuditChain } from '../../core/audit';
import { findLetterBySlug } from '../../core/letters/letters.service';
import { withApp } from './bootstrap';

const USAGE = `Usage:
  npm run audit -- verify <letter-slug>   recompute the letter's audit-trail hash chain and print its head`;

/**
 * npm run audit -- verify: walks the letter's chain (audit/audit.service.ts verifyAuditChain) and
 * prints the head to compare with the one printed in a delivery pack. Exit code 0 when the chain
 * holds, 2 when it breaks.
 */
const [command, ...rest] = process.argv.slice(2);
if (command !== 'verify' || rest.length !== 1) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(64); // EX_USAGE
}

void withApp(
  async ({ db }) => {
    const letter = await findLetterBySlug(db, rest[0]);
    if (!letter) {
      process.stderr.write(`No letter with the slug ${rest[0]}.\n`);
      return 1;
    }
    const verdict = await verifyAuditChain(db, letter.id);
    const [head] = await db.query<Array<{ seq: string; hash: string }>>(
      `SELECT seq, encode(hash, 'hex') AS hash FROM audit_chain_heads WHERE letter_id = $1`,
      [letter.id],
    );
    if (verdict.ok) {
      process.stdout.write(
        `The audit trail holds: ${verdict.entries} entries; head no. ${head?.seq ?? 0}, chain hash ${head?.hash ?? '(none)'}.\n`,
      );
      return 0;
    }
    process.stdout.write(
      verdict.brokenAt
        ? `The audit trail is broken at entry id ${verdict.brokenAt}, after ${verdict.entries} entries that hold.\n`
        : `The audit trail's ${verdict.entries} entries hold, but its recorded head (no. ${head?.seq ?? 0}) is not their last: entries were removed.\n`,
    );
    return 2;
  },
  { name: 'audit', quiet: true },
);
