import request from 'supertest';
import { aLetter, signForm } from '../../support/factories';
import { browser, startTestApp, useTestApp } from '../../support/test-app';
import { buildApp } from '../../../src/app/app';
import { checkMetrics, parseMetrics } from '../../support/promlint';
import { loadConfig } from '../../../src/platform/config';
import { createDataSource } from '../../../src/app/data-source';

const TOKEN = 'metrics-token-for-tests-0123456789';

describe('health and readiness', () => {
  const t = useTestApp({}, { worker: false });

  test('/healthz answers "ok" while the process is up', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('/readyz is ready when the database answers and every migration has run', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ready: true });
  });

  test('/readyz answers 503 while a migration this code knows has not run', async () => {
    const [last] = await t.db.query<Array<{ id: number; timestamp: string; name: string }>>(
      'SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    await t.db.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    try {
      const res = await request(t.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ ready: false, reason: 'migrations' });
    } finally {
      await t.db.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last.id,
        last.timestamp,
        last.name,
      ]);
    }
  });

  test('/readyz answers 503 when the database cannot be reached, and /healthz still 200', async () => {
    // A database that disappears under a running process: its connections are cut, new ones fail.
    const name = `undersigned_ops_gone_${process.pid}`;
    await t.db.query(`CREATE DATABASE "${name}"`);
    const url = new URL(process.env.TEST_DB_URL!);
    url.pathname = `/${name}`;
    const db = createDataSource(url.toString(), { poolSize: 2 });
    await db.initialize();
    try {
      const app = buildApp({ ...t.ctx, db }, { devMailbox: false });
      await t.db.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ ready: false, reason: 'database' });
      expect((await request(app).get('/healthz')).status).toBe(200);
    } finally {
      await db.destroy().catch(() => undefined);
      await t.db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});

describe('metrics', () => {
  const t = useTestApp({ METRICS_TOKEN: TOKEN });

  test('/metrics wants the bearer token', async () => {
    expect((await request(t.app).get('/metrics')).status).toBe(401);
    expect((await request(t.app).get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token')).status).toBe(
      401,
    );
    expect((await request(t.app).get('/metrics').set('Authorization', `Basic ${TOKEN}`)).status).toBe(401);
    expect((await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  test('latency is labelled by route pattern, never by the raw URL; gauges and email counters are reported', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    const form = signForm();
    await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    await request(t.app).get('/s/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').expect(404);
    await request(t.app).get('/no/such/page').expect(404);
    await t.smtp.waitFor(form.email);
    // the worker reports the job's success just after the message is delivered
    await new Promise((r) => setTimeout(r, 300));

    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.text;
    expect(text).toMatch(
      /undersigned_http_request_duration_seconds_count\{method="GET",route="\/letters\/:slug",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /undersigned_http_request_duration_seconds_count\{method="POST",route="\/letters\/:slug\/sign",status="303"\} \d+/,
    );
    expect(text).toMatch(/route="\/s\/confirm\/:token",status="404"/);
    expect(text).toMatch(/route="unmatched",status="404"/);
    expect(text).not.toContain(letter.slug);
    expect(text).not.toContain('AAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(text).toMatch(/undersigned_signatures\{status="pending",held="false"\} [1-9]\d*/);
    expect(text).toMatch(/undersigned_outbox_jobs \d+/);
    expect(text).toMatch(/undersigned_outbox_oldest_job_age_seconds \d/);
    expect(text).toMatch(/undersigned_emails_sent_total\{task="signature-email"\} [1-9]/);
    expect(text).toContain('undersigned_process_cpu_seconds_total');
  });

  test("the whole scrape passes promtool's checks: format and metric naming rules", async () => {
    // Something in every family: a request, an email job, the database gauges.
    await request(t.app).get('/').expect(200);
    const text = (await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;
    expect(checkMetrics(text)).toEqual([]);
    const names = parseMetrics(text).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'undersigned_http_request_duration_seconds',
        'undersigned_signatures',
        'undersigned_nodejs_active_handles',
      ]),
    );
    expect(names.filter((n) => n.endsWith('_total')).length).toBeGreaterThan(0);
  });

  test('outbox depth and the age of its oldest job reflect jobs that are due and waiting', async () => {
    await t.db.query(
      `SELECT graphile_worker.add_job('ops-test-never-handled', '{}'::json, run_at => now() - interval '90 seconds', max_attempts => 1)`,
    );
    const text = (await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    const depth = Number(/undersigned_outbox_jobs (\d+)/.exec(text)![1]);
    const age = Number(/undersigned_outbox_oldest_job_age_seconds ([\d.e+]+)/.exec(text)![1]);
    expect(depth).toBeGreaterThanOrEqual(1);
    expect(age).toBeGreaterThanOrEqual(89);
    await t.db.query(
      `DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'ops-test-never-handled')`,
    );
  });
});

describe('/metrics without a token', () => {
  test('is not served in production', async () => {
    const t = await startTestApp({}, { worker: false });
    try {
      const prod = loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: process.env.TEST_DB_URL,
        SMTP_URL: 'smtp://127.0.0.1:2525',
        BASE_URL: 'https://undersigned.example',
        SESSION_SECRET: 'production-secret-production-secret',
      });
      const app = buildApp({ ...t.ctx, config: prod }, { devMailbox: false });
      expect((await request(app).get('/metrics')).status).toBe(404);
      expect((await request(t.app).get('/metrics')).status).toBe(200); // outside production: open
    } finally {
      await t.close();
    }
  });
});
