import { Client, type PoolClient } from 'pg';
import request from 'supertest';
import { pgPool } from '../../../src/platform/db/pool';
import { aLetter, anEmail } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

/**
 * With web and worker in one process (`npm start`, ROLE=all) the email must not wait for the
 * web side: under a viral day's signing every connection of the web pool is busy, and a worker
 * sharing that pool relayed and sent almost nothing (850 of 10,000 confirmation emails after 23 s).
 * The worker has a pool of its own.
 */
const t = useTestApp();

test('while every connection of the web side is taken, the worker still relays and sends the confirmation email', async () => {
  const letter = await aLetter(t.db);
  const email = anEmail('pool');
  // The web side's pool, every connection held (as requests would hold them under load).
  const pool = pgPool(t.db);
  const held: PoolClient[] = [];
  const outside = new Client({ connectionString: process.env.TEST_DB_URL });
  await outside.connect();
  try {
    const free = (pool.options.max ?? 10) - pool.totalCount + pool.idleCount;
    for (let i = 0; i < free; i++) held.push(await pool.connect());
    // A signature and its email in the outbox, as signing writes them (from another connection).
    await outside.query(
      `WITH s AS (
         INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language)
         VALUES ($1, 'Олена Ковальчук', $2, $2, 'UA', 'public', 'en') RETURNING id)
       INSERT INTO job_outbox (task, payload) SELECT 'signature-email', json_build_object('signatureId', id, 'kind', 'confirm') FROM s`,
      [letter.id, email],
    );
    const [mail] = await t.smtp.waitFor(email, 1, 10_000);
    expect(mail.subject).toBeTruthy();
  } finally {
    for (const c of held) c.release();
    await outside.end();
  }
  // And the web side answers again once its connections are back.
  expect((await request(t.app).get(`/letters/${letter.slug}`)).status).toBe(200);
});
