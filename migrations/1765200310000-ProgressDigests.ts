import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Progress to the addressees before the delivery, when the owners ask for it: a digest at the
 * count's milestones or once a week ("N people have signed; the letter will be delivered on …"),
 * never one message per signature. The addresses are kept only while the letter is open and not
 * yet delivered: the row goes when the delivery is recorded, when the owners turn it off, when
 * the letter is no longer open, or with the letter.
 */
export class ProgressDigests1765200310000 implements MigrationInterface {
  name = 'ProgressDigests1765200310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE progress_digests (
        letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
        addresses varchar(320)[] NOT NULL CONSTRAINT progress_digests_addresses CHECK (cardinality(addresses) BETWEEN 1 AND 5),
        planned_on date,
        cadence varchar(10) NOT NULL CONSTRAINT progress_digests_cadence CHECK (cadence IN ('milestones', 'weekly')),
        last_sent_at timestamptz,
        last_count integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE progress_digests`);
  }
}
