import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Report this letter": readers' reports, for the instance's admins.
 *
 * - `letter_reports`: one row per report, with a reason from a fixed list, the reporter's optional
 *   words (`details`) and optional address for an answer (`email`) and the language of the form
 *   (the answer's). No network address and no session are kept: a report is anonymous unless its
 *   author gave an address, and then only the admins see it. The address is erased once the
 *   answer is sent, or with the words by retention (src/features/privacy).
 * - `letter_report_decisions`: an admin's decision on all of a letter's reports not yet decided
 *   (dismiss, or act), with a note; each report points at the decision that settled it.
 */
export class LetterReports1765200610000 implements MigrationInterface {
  name = 'LetterReports1765200610000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE letter_report_decisions (
        id bigserial PRIMARY KEY,
        letter_id uuid REFERENCES letters(id) ON DELETE SET NULL,
        admin_id uuid REFERENCES organisers(id) ON DELETE SET NULL,
        decision varchar(10) NOT NULL CHECK (decision IN ('dismiss', 'act')),
        note text NOT NULL DEFAULT '',
        reports integer NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE letter_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        reason varchar(20) NOT NULL
          CHECK (reason IN ('spam', 'hateful', 'unlawful', 'misleading', 'personal-data', 'other')),
        details text CHECK (char_length(details) <= 2000),
        email varchar(320),
        language varchar(5) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        decision_id bigint REFERENCES letter_report_decisions(id) ON DELETE SET NULL,
        answered_at timestamptz
      )`);
    // The admins' queue: the reports not yet decided, per letter.
    await q.query(
      `CREATE INDEX letter_reports_open ON letter_reports (letter_id, created_at) WHERE decision_id IS NULL`,
    );
    // Retention: the reports that still hold words or an address.
    await q.query(
      `CREATE INDEX letter_reports_personal ON letter_reports (created_at) WHERE details IS NOT NULL OR email IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE letter_reports`);
    await q.query(`DROP TABLE letter_report_decisions`);
  }
}
