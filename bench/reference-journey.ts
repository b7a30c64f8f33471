import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import nodemailer from 'nodemailer';
import { Client, Pool } from 'pg';

/**
 * The reference for the whole journey (the viral day's): the least a web process and a worker can
 * do for the same people, measured beside the app in the same run (bench/README.md, "The
 * reference journey"). Its own database, two tables:
 *   signatures (id, letter, email, full_name, country, token, created_at, confirmed_at)
 *   jobs (id, signature_id)
 *
 * REF_ROLE=web answers the load generator's requests at the app's paths:
 *   GET  /letters/:slug          the app's letter page bytes, as a static file (its CSRF token is
 *                                everybody's and never checked)
 *   POST /letters/:slug/sign     one statement: INSERT the signature and its job row (and NOTIFY
 *                                the worker); 303
 *   GET  /s/confirm/:token       the app's confirmation page bytes, as a static file
 *   POST /s/confirm/:token       UPDATE one row; 200
 *   GET  /letters/:slug.json     { signatureCount }: the letter's confirmed rows, counted
 * REF_ROLE=worker LISTENs for new jobs, claims them in batches (`FOR UPDATE SKIP LOCKED`), sends
 * one message per row through one pooled nodemailer transport (as many connections as the app's
 * worker: WORKER_CONCURRENCY, default 10), and deletes the rows sent, in the claim's transaction.
 * The message is the app's own confirmation email (REF_STATIC_DIR/mail.json: subject, text, HTML,
 * unsubscribe headers, taken from the app in the same run) with the person's name and link put in.
 *
 * Env: REF_DATABASE_URL, REF_PORT, REF_STATIC_DIR (letter.html, confirm.html), REF_BASE_URL (for
 * the links), SMTP_URL, WORKER_CONCURRENCY.
 */
const role = process.env.REF_ROLE ?? 'web';
const dbUrl = process.env.REF_DATABASE_URL;
if (!dbUrl) throw new Error('REF_DATABASE_URL is required');

if (role === 'web') web();
else if (role === 'worker') void worker();
else throw new Error(`REF_ROLE must be web or worker, not ${role}`);

function web(): void {
  const port = Number(process.env.REF_PORT ?? '3183');
  const pool = new Pool({ connectionString: dbUrl, max: 10, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  const files = express.static(path.resolve(process.env.REF_STATIC_DIR ?? '.'), { index: false });
  const form = express.urlencoded({ extended: false });
  const app = express();
  app.disable('x-powered-by');

  app.get('/letters/:name', (req, res, next) => {
    const name = req.params.name;
    if (!name.endsWith('.json')) {
      req.url = '/letter.html';
      files(req, res, next);
      return;
    }
    pool
      .query<{ n: string }>('SELECT count(*) AS n FROM signatures WHERE letter = $1 AND confirmed_at IS NOT NULL', [
        name.slice(0, -'.json'.length),
      ])
      .then(({ rows }) => res.json({ signatureCount: Number(rows[0]?.n ?? 0) }), next);
  });

  app.post('/letters/:slug/sign', form, (req, res, next) => {
    const body = req.body as Record<string, string | undefined>;
    pool
      .query(
        `WITH s AS (INSERT INTO signatures (letter, email, full_name, country, token)
                    VALUES ($1, $2, $3, $4, $5) RETURNING id),
              j AS (INSERT INTO jobs (signature_id) SELECT id FROM s RETURNING 1)
         SELECT pg_notify('jobs', '') FROM j`,
        [
          req.params.slug,
          body.email ?? '',
          body.fullName ?? '',
          body.country ?? '',
          crypto.randomBytes(18).toString('base64url'),
        ],
      )
      .then(() => res.redirect(303, `/letters/${req.params.slug}/thanks`), next);
  });

  app.get('/s/confirm/:token', (req, res, next) => {
    req.url = '/confirm.html';
    files(req, res, next);
  });

  app.post('/s/confirm/:token', form, (req, res, next) => {
    pool
      .query('UPDATE signatures SET confirmed_at = now() WHERE token = $1', [req.params.token])
      .then(({ rowCount }) => {
        if (rowCount) res.send('confirmed');
        else res.status(404).send('unknown link');
      }, next);
  });

  const server = app.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}

async function worker(): Promise<void> {
  const concurrency = Number(process.env.WORKER_CONCURRENCY ?? '10');
  const batch = concurrency * 10;
  const baseUrl = process.env.REF_BASE_URL ?? 'http://127.0.0.1:3183';
  const smtp = process.env.SMTP_URL ?? 'smtp://127.0.0.1:25050';
  // The app's worker builds its transport the same way (a pool of WORKER_CONCURRENCY connections).
  const transport = nodemailer.createTransport(`${smtp}?pool=true&maxConnections=${concurrency}`);
  const message = JSON.parse(
    fs.readFileSync(path.join(path.resolve(process.env.REF_STATIC_DIR ?? '.'), 'mail.json'), 'utf8'),
  ) as { subject: string; text: string; html: string; headers: Record<string, string> };
  const fill = (s: string, r: { full_name: string; token: string }) =>
    s.replaceAll('{{token}}', r.token).replaceAll('{{name}}', r.full_name).replaceAll('{{base}}', baseUrl);
  const db = new Client({ connectionString: dbUrl });
  const listener = new Client({ connectionString: dbUrl });
  await db.connect();
  await listener.connect();
  // Set by a notification; cleared before each claim, so one that comes during a claim is not missed.
  const notified = { since: false };
  let wake: (() => void) | null = null;
  listener.on('notification', () => {
    notified.since = true;
    wake?.();
  });
  await listener.query('LISTEN jobs');
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    wake?.();
  });

  // Claim again at once after a full batch or a notification that came meanwhile; otherwise wait
  // for one (or a second, in case one was missed).
  let more = true;
  while (!stopping) {
    if (!more && !notified.since)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    wake = null;
    notified.since = false;
    await db.query('BEGIN');
    const { rows } = await db.query<{ id: string; email: string; full_name: string; token: string }>(
      `SELECT j.id, s.email, s.full_name, s.token
         FROM jobs j JOIN signatures s ON s.id = j.signature_id
        ORDER BY j.id LIMIT $1 FOR UPDATE OF j SKIP LOCKED`,
      [batch],
    );
    if (!rows.length) {
      await db.query('COMMIT');
      more = false;
      continue;
    }
    const sent = await Promise.allSettled(
      rows.map((r) =>
        transport.sendMail({
          from: 'letters@example.org',
          to: r.email,
          subject: message.subject,
          text: fill(message.text, r),
          html: fill(message.html, r),
          headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, fill(v, r)])),
        }),
      ),
    );
    const done = rows.filter((_, i) => sent[i].status === 'fulfilled').map((r) => r.id);
    // Rows whose message failed stay in the queue for the next claim.
    await db.query('DELETE FROM jobs WHERE id = ANY($1::bigint[])', [done]);
    await db.query('COMMIT');
    more = rows.length === batch;
  }
  transport.close();
  await listener.end();
  await db.end();
  process.exit(0);
}
