import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signing outbox. A signature used to queue its emails with graphile-worker's add_job in its
 * own transaction; add_job raises a NOTIFY, and PostgreSQL serialises the commits of notifying
 * transactions on one lock held through the WAL flush, which capped signing near 1,700 per
 * second on 2 cores however fast everything else was. Now the signing statement writes plain rows
 * here, and the worker moves them into the job queue in batches (src/platform/mail/outbox-relay.ts), one
 * add_jobs call and one NOTIFY per batch.
 */
export class JobOutbox1764202000000 implements MigrationInterface {
  name = 'JobOutbox1764202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_outbox (
        id bigserial PRIMARY KEY,
        task varchar(60) NOT NULL,
        payload json NOT NULL,
        run_at timestamptz NOT NULL DEFAULT now(),
        job_key varchar(200),
        max_attempts smallint NOT NULL DEFAULT 25,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS job_outbox`);
  }
}
