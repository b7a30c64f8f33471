import { findLetterBySlug } from '../../core/letters/letters.service';
import {
  applyRetention,
  eraseAuditDetails,
  eraseSigner,
  PAPER_PREVIEW_HOURS,
  type RetentionReport,
} from '../../features/privacy';
import { DELIVERY_SIGNER_DAYS } from '../../features/updates';
import { withApp } from './bootstrap';
import { REPORT_DETAILS_DAYS_AFTER_DECISION, REPORT_UNDECIDED_DAYS } from '../../features/reports';

const USAGE = `Usage:
  npm run privacy -- erase <email>   remove every signature of this address, on every letter
  npm run privacy -- retention       apply the retention periods now (the worker does it hourly)
  npm run privacy -- erase-audit-details <letter-slug>
                                     erase the reasons, notes and mail domains of a letter's audit trail`;

/** One line per category of what retention erased: how many, never whose. */
function retentionSummary(
  r: RetentionReport,
  periods: { PENDING_RETENTION_DAYS: number; DELIVERED_RETENTION_DAYS: number; AUDIT_DETAIL_RETENTION_DAYS: number },
): string {
  const pending = periods.PENDING_RETENTION_DAYS;
  return [
    'Retention applied:',
    `  unconfirmed signatures deleted (after ${pending} days): ${r.pendingDeleted}`,
    `  signatures whose confirmation email bounced, deleted (after ${pending} days): ${r.bouncedDeleted}`,
    `  invalidated signatures, address and network hash erased (after ${pending} days): ${r.invalidatedErased}`,
    `  invalidated signatures, name, city and organisation erased: ${r.invalidatedNamesErased}`,
    `  signatures on closed letters, address and network hash erased (${periods.DELIVERED_RETENTION_DAYS} days after the delivery was recorded): ${r.deliveredErased}`,
    `  paper-import previews deleted (not imported within ${PAPER_PREVIEW_HOURS} hours): ${r.paperPreviewsDeleted}`,
    `  imported paper sheets emptied of names and cities: ${r.paperSheetsEmptied}`,
    `  "This wasn't me" suppressions ended after their 30 days: ${r.suppressionsErased}`,
    `  audit-trail details (reasons, notes, mail domains) erased after ${periods.AUDIT_DETAIL_RETENTION_DAYS} days: ${r.auditDetailsErased}`,
    `  readers' reports, words and address erased (${REPORT_DETAILS_DAYS_AFTER_DECISION} days after the decision, or ${REPORT_UNDECIDED_DAYS} days undecided): ${r.reportDetailsErased}`,
    `  uploads left unfinished by a stopped process, deleted: ${r.abandonedUploads}`,
    `  update emails, whom each went to forgotten (after ${DELIVERY_SIGNER_DAYS} days): ${r.updateRecipientsForgotten}`,
    `  comments of signers whose name became private without allowing it to be shown, erased: ${r.commentsErased}`,
    `  co-sponsors' names and addresses erased (unconfirmed, or their letter published): ${r.supportersErased}`,
    '',
  ].join('\n');
}

/**
 * npm run privacy. Prints counts only: the address is never echoed, so a terminal log or a CI
 * transcript of an erasure does not itself keep the personal data it was asked to remove.
 */
const [command, ...rest] = process.argv.slice(2);
const valid =
  (command === 'erase' && rest.length === 1 && rest[0].includes('@')) ||
  (command === 'retention' && rest.length === 0) ||
  (command === 'erase-audit-details' && rest.length === 1);
if (!valid) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(64); // EX_USAGE
}

void withApp(
  async ({ db, config }) => {
    if (command === 'erase') {
      const { signatures, letters } = await eraseSigner(db, rest[0]);
      process.stdout.write(`Erased ${signatures} signature(s) from ${letters} letter(s).\n`);
    } else if (command === 'erase-audit-details') {
      const letter = await findLetterBySlug(db, rest[0]);
      if (!letter) {
        process.stderr.write(`No letter with the slug ${rest[0]}.\n`);
        return 1;
      }
      process.stdout.write(
        `Erased ${await eraseAuditDetails(db, letter.id)} audit-trail detail(s); the entries stay and say so.\n`,
      );
    } else {
      process.stdout.write(retentionSummary(await applyRetention(db, config), config));
    }
  },
  { name: 'privacy', quiet: true },
);
