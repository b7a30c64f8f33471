import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The word diffs between the versions of a text, computed once by a job when a version is saved
 * (src/features/versions/text-diffs.service.ts) instead of by every request of `/letters/<slug>/diff`: a
 * diff of two long texts costs seconds of CPU. `digest` names the four texts compared (titles and
 * bodies), so a diff of words since changed in place is never shown; `outcome` is `too-different`
 * when the comparison gave up at its cap (then `parts` is null). `computed_at` is when the job
 * read the words: a job that read older ones never overwrites a later job's diff.
 *
 * The versions kept before this migration get their diffs from the same job, queued here through
 * the job outbox (the worker relays it into the queue): one job per text that has earlier versions.
 */
export class TextDiffs1765000100000 implements MigrationInterface {
  name = 'TextDiffs1765000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE text_diffs (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        language varchar(5) NOT NULL,
        from_version integer NOT NULL,
        to_version integer NOT NULL,
        digest varchar(64) NOT NULL,
        outcome varchar(20) NOT NULL CHECK (outcome IN ('compared', 'too-different')),
        parts json,
        added integer NOT NULL DEFAULT 0,
        removed integer NOT NULL DEFAULT 0,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (letter_id, language, from_version, to_version),
        CHECK (from_version < to_version)
      )`);
    await q.query(`
      INSERT INTO job_outbox (task, payload, job_key, max_attempts)
      SELECT 'text-diffs', json_build_object('letterId', letter_id, 'language', language),
             'text-diffs:' || letter_id || ':' || language, 5
        FROM (SELECT DISTINCT letter_id, language FROM letter_text_versions) v`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM job_outbox WHERE task = 'text-diffs'`);
    await q.query(`DROP TABLE IF EXISTS text_diffs`);
  }
}
