import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aSignature, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, startTestApp, useTestApp } from '../../support/test-app';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { WEBHOOK_PAYLOADS } from '../../../src/features/webhooks';
import {
  MAX_ENDPOINTS_PER_LETTER,
  pruneDeliveryLog,
  TEST_EVENTS_PER_MINUTE,
} from '../../../src/features/webhooks/webhooks.service';
import type { Organiser } from '../../../src/core/access/organiser.entity';

/** The check of the README's receiver example, line for line. */
function verify(whsec: string, id: string, ts: string, body: string, sig: string): boolean {
  const secret = Buffer.from(whsec.replace(/^whsec_/, ''), 'base64');
  const expected = 'v1,' + crypto.createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
  return (
    fresh &&
    sig
      .split(' ')
      .some((s) => s.length === expected.length && crypto.timingSafeEqual(Buffer.from(s), Buffer.from(expected)))
  );
}

interface Received {
  id: string;
  timestamp: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  raw: string;
  signature: string;
  path: string;
  verified: boolean;
}

/**
 * A receiver as an integrator would write one (README's example): it checks the signature with
 * node:crypto and the secret shown once. Each path answers with the statuses queued for it
 * (then 204).
 */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  readonly answers = new Map<string, number[]>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const timestamp = String(req.headers['webhook-timestamp']);
      const verified = verify(
        this.secrets.get(req.url ?? '') ?? '',
        id,
        timestamp,
        raw,
        String(req.headers['webhook-signature'] ?? ''),
      );
      this.received.push({
        id,
        timestamp,
        body: JSON.parse(raw) as Received['body'],
        raw,
        signature: String(req.headers['webhook-signature']),
        path: req.url ?? '',
        verified,
      });
      const status = this.answers.get(req.url ?? '')?.shift() ?? 204;
      res.writeHead(status, status >= 300 && status < 400 ? { location: '/elsewhere' } : {}).end();
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string, type?: string): Received[] {
    return this.received.filter((r) => r.path === path && (!type || r.body.type === type));
  }

  async waitFor(path: string, n: number, type?: string, timeoutMs = 20000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.on(path, type).length >= n) return this.on(path, type);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${path}: ${this.on(path, type).length} of ${n} webhooks arrived`);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let owner: Organiser;
let b: Browser;
let receiver: Receiver;

const t = useTestApp({ WEBHOOK_RETRY_BASE_SECONDS: '0.5' });
beforeAll(async () => {
  receiver = await new Receiver().start();
  owner = await anOrganiser(t.db, { name: 'Wanda Webhook' });
  b = await signInAs(t.app, t.smtp, owner.email);
});
afterAll(async () => {
  await receiver.stop();
});

let paths = 0;
/** Adds a webhook on the owners' page; the secret is read from the answer, the one time it is shown. */
async function addWebhook(letter: Letter, events: string[]): Promise<{ path: string; id: string }> {
  const path = `/hook-${++paths}`;
  const page = `/organise/letters/${letter.slug}/api/webhooks`;
  const res = await postForm(b, page, page, { url: receiver.url(path), events } as unknown as Record<string, string>);
  expect(res.status).toBe(201);
  const secret = /id="new-secret" type="text" readonly value="(whsec_[^"]+)"/.exec(res.text)?.[1];
  expect(secret).toBeDefined();
  receiver.secrets.set(path, secret!);
  const [row] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM webhook_endpoints WHERE url = $1`, [
    receiver.url(path),
  ]);
  return { path, id: row.id };
}

async function signAndConfirm(letter: Letter, form = signForm()): Promise<void> {
  expect((await sign(t.app, letter.slug, form)).status).toBe(303);
  expect((await confirm(t, form.email)).status).toBe(200);
}

describe('webhooks', () => {
  test('a confirmed signature is posted, signed so that a receiver can check it with the secret', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 1000 });
    const hook = await addWebhook(letter, ['signature.confirmed']);
    await signAndConfirm(
      letter,
      signForm({ fullName: 'Public Signer', visibility: 'public', country: 'UA', city: 'Kyiv' }),
    );
    await signAndConfirm(letter, signForm({ fullName: 'Private Signer', visibility: 'private' }));
    const got = await receiver.waitFor(hook.path, 2);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.map((r) => r.body.type)).toEqual(['signature.confirmed', 'signature.confirmed']);
    const signatures = got.map((r) => r.body.data.signature as Record<string, unknown>);
    const listed = signatures.find((s) => s.name === 'Public Signer');
    expect(listed).toMatchObject({ country: 'UA', city: 'Kyiv', signedAs: 'individual', source: 'online' });
    // A signer the public list does not show (as the API leaves them out): the id, and nothing of the person.
    const unlisted = signatures.find((s) => s !== listed)!;
    expect(Object.keys(unlisted)).toEqual(['id']);
    expect(got.map((r) => typeof r.body.data.verifiedCount)).toEqual(['number', 'number']);
    expect(got[0].body.data.letter).toBe(letter.slug);
    expect(Math.abs(Number(got[0].timestamp) - Date.now() / 1000)).toBeLessThan(60);
    // A changed byte, another message's id or another webhook's secret fails the check.
    const secret = receiver.secrets.get(hook.path)!;
    expect(verify(secret, got[0].id, got[0].timestamp, got[0].raw, got[0].signature)).toBe(true);
    expect(
      verify(
        secret,
        got[0].id,
        got[0].timestamp,
        got[0].raw.replace('signature.confirmed', 'signature.withdrawn'),
        got[0].signature,
      ),
    ).toBe(false);
    expect(verify(secret, got[1].id, got[0].timestamp, got[0].raw, got[0].signature)).toBe(false);
    expect(
      verify(
        'whsec_' + Buffer.from('another secret').toString('base64'),
        got[0].id,
        got[0].timestamp,
        got[0].raw,
        got[0].signature,
      ),
    ).toBe(false);
    const [row] = await t.db.query<Array<{ status: string; body: string | null }>>(
      `SELECT status, body FROM webhook_deliveries WHERE id = $1`,
      [got[0].id],
    );
    expect(row).toEqual({ status: 'delivered', body: null });
  });

  test('an initials-only individual is posted as the list shows them: initials, no city, no organisation', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 1000 });
    const hook = await addWebhook(letter, ['signature.confirmed']);
    await signAndConfirm(
      letter,
      signForm({
        fullName: 'Initial Signer',
        visibility: 'initials',
        country: 'KZ',
        city: 'Almaty',
        organisation: 'Small Trade Union',
      }),
    );
    const [got] = await receiver.waitFor(hook.path, 1);
    const signature = got.body.data.signature as Record<string, unknown>;
    expect(signature).toMatchObject({ name: 'I. S.', country: 'KZ', city: null, organisation: null });
    expect(got.raw).not.toContain('Small Trade Union');
  });

  test('a letter without webhooks queues nothing when people sign', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const other = await aLetterOf(t.db, owner, 'owner');
    await addWebhook(other, ['signature.confirmed']);
    const before = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.letter_id = $1`,
      [letter.id],
    );
    await signAndConfirm(letter);
    const [outbox] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM job_outbox WHERE task = 'webhook-event' AND payload->>'letterId' = $1`,
      [letter.id],
    );
    expect(Number(outbox.n)).toBe(0);
    expect(Number(before[0].n)).toBe(0);
  });

  test('after a 500 the delivery is tried again and then succeeds; the log shows each status code', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['signature.confirmed']);
    receiver.answers.set(hook.path, [500, 503]);
    await signAndConfirm(letter);
    const got = await receiver.waitFor(hook.path, 3);
    expect(new Set(got.map((r) => r.id)).size).toBe(1); // the same webhook-id each time
    expect(got.every((r) => r.verified)).toBe(true);
    let log = '';
    for (let i = 0; i < 40 && !/attempt-code">204/.test(log); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = (await b.agent.get(`/organise/letters/${letter.slug}/api/webhooks/${hook.id}`).expect(200)).text;
    }
    const codes = [...log.matchAll(/class="attempt-code">(\d+)/g)].map((m) => m[1]);
    expect(codes).toEqual(['500', '503', '204']);
    expect(log).toContain('Delivered');
    // A success ends the endpoint's run of failures.
    const [endpoint] = await t.db.query<Array<{ failing_since: Date | null; disabled_at: Date | null }>>(
      `SELECT failing_since, disabled_at FROM webhook_endpoints WHERE id = $1`,
      [hook.id],
    );
    expect(endpoint).toEqual({ failing_since: null, disabled_at: null });
  });

  test('a redirect is not followed: it is logged as the answer and tried again later', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['signature.confirmed']);
    receiver.answers.set(hook.path, [307]);
    await signAndConfirm(letter);
    await receiver.waitFor(hook.path, 2);
    expect(receiver.on('/elsewhere')).toEqual([]);
    let log = '';
    for (let i = 0; i < 40 && !/attempt-code">204/.test(log); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = (await b.agent.get(`/organise/letters/${letter.slug}/api/webhooks/${hook.id}`).expect(200)).text;
    }
    expect([...log.matchAll(/class="attempt-code">(\d+)/g)].map((m) => m[1])).toEqual(['307', '204']);
  });

  test('"Send test event" posts a signed webhook.test and logs it', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['letter.delivered']);
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const res = await postForm(b, page, `${page}/${hook.id}/test`);
    expect(res.status).toBe(303);
    const [got] = await receiver.waitFor(hook.path, 1, 'webhook.test');
    expect(got.verified).toBe(true);
    expect(got.body.data).toEqual({ letter: letter.slug });
    const [audit] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM audit_events WHERE letter_id = $1 AND kind = 'webhooks.test-sent'`,
      [letter.id],
    );
    expect(Number(audit.n)).toBe(1);
  });

  test('test events are limited per webhook: beyond a few a minute the owner is told why, in their language, and nothing more is sent', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['letter.delivered']);
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    for (let i = 0; i < TEST_EVENTS_PER_MINUTE; i++)
      expect((await postForm(b, page, `${page}/${hook.id}/test`)).status).toBe(303);
    const refused = await postForm(b, page, `${page}/${hook.id}/test`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toContain(`at most ${TEST_EVENTS_PER_MINUTE} test events a minute`);
    b.agent.set('Accept-Language', 'fr');
    const fr = await postForm(b, page, `${page}/${hook.id}/test`);
    b.agent.set('Accept-Language', 'en');
    expect(fr.status).toBe(429);
    expect(fr.text).toContain(`${TEST_EVENTS_PER_MINUTE} événements de test par minute`);
    const [sent] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND event = 'webhook.test'`,
      [hook.id],
    );
    expect(Number(sent.n)).toBe(TEST_EVENTS_PER_MINUTE);
    // Another webhook of the letter has its own allowance.
    const other = await addWebhook(letter, ['letter.delivered']);
    expect((await postForm(b, page, `${page}/${other.id}/test`)).status).toBe(303);
  });

  test('a letter has at most a few webhooks: one more is refused with a message', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    for (let i = 0; i < MAX_ENDPOINTS_PER_LETTER; i++) await addWebhook(letter, ['letter.delivered']);
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const res = await postForm(b, page, page, { url: receiver.url('/one-too-many'), events: 'letter.delivered' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`already has ${MAX_ENDPOINTS_PER_LETTER} webhooks`);
    const [n] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_endpoints WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(n.n)).toBe(MAX_ENDPOINTS_PER_LETTER);
  });

  test('a webhook whose deliveries keep failing for a day is disabled: the owners see it on the page and in the audit trail, and can enable it again', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['signature.confirmed']);
    receiver.answers.set(hook.path, Array<number>(100).fill(500));
    await signAndConfirm(letter);
    await receiver.waitFor(hook.path, 1);
    const health = async () =>
      (
        await t.db.query<Array<{ failing_since: Date | null; disabled_at: Date | null }>>(
          `SELECT failing_since, disabled_at FROM webhook_endpoints WHERE id = $1`,
          [hook.id],
        )
      )[0];
    let endpoint = await health();
    // The attempt is written once the receiver has answered.
    for (let i = 0; i < 100 && !endpoint.failing_since; i++) {
      await new Promise((r) => setTimeout(r, 50));
      endpoint = await health();
    }
    expect(endpoint.failing_since).not.toBeNull();
    expect(endpoint.disabled_at).toBeNull();
    // A day passes, and the receiver still fails.
    await t.db.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = $1`, [
      hook.id,
    ]);
    const before = receiver.on(hook.path).length;
    await receiver.waitFor(hook.path, before + 1);
    for (let i = 0; i < 100 && !endpoint.disabled_at; i++) {
      await new Promise((r) => setTimeout(r, 100));
      endpoint = await health();
    }
    expect(endpoint.disabled_at).not.toBeNull();
    const states = await t.db.query<Array<{ status: string; body: string | null }>>(
      `SELECT status, body FROM webhook_deliveries WHERE endpoint_id = $1`,
      [hook.id],
    );
    expect(states).toEqual([{ status: 'failed', body: null }]);
    const [audit] = await t.db.query<Array<{ actor_id: string | null; detail: { url: string } }>>(
      `SELECT actor_id, detail FROM audit_events WHERE letter_id = $1 AND kind = 'webhooks.endpoint-disabled'`,
      [letter.id],
    );
    expect(audit).toEqual({
      actor_id: null,
      detail: expect.objectContaining({ url: new URL(receiver.url(hook.path)).origin }),
    });
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const list = await b.agent.get(page).expect(200);
    expect(list.text).toContain('Disabled after 24 hours of failed deliveries');
    expect((await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200)).text).toContain(
      'Disabled the webhook to',
    );
    // Nothing more goes to it.
    const sent = receiver.on(hook.path).length;
    await signAndConfirm(letter);
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.on(hook.path).length).toBe(sent);
    // The owner enables it again; the next event goes out.
    receiver.answers.set(hook.path, []);
    expect((await postForm(b, page, `${page}/${hook.id}/enable`)).status).toBe(303);
    expect(await health()).toEqual({ failing_since: null, disabled_at: null });
    await signAndConfirm(letter);
    await receiver.waitFor(hook.path, sent + 1);
    const [kinds] = await t.db.query<Array<{ kinds: string[] }>>(
      `SELECT array_agg(kind ORDER BY id) AS kinds FROM audit_events WHERE letter_id = $1 AND kind LIKE 'webhooks.%'`,
      [letter.id],
    );
    expect(kinds.kinds).toEqual([
      'webhooks.endpoint-created',
      'webhooks.endpoint-disabled',
      'webhooks.endpoint-enabled',
    ]);
  });

  test('the address hint says what this server accepts: http and local addresses here, https and public addresses in production', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const here = await b.agent.get(page).expect(200);
    expect(t.config.WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(here.text).toContain('http:// or https://');
    expect(here.text).not.toContain('Must start with https://');
    const strict = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' }, { worker: false });
    try {
      const sb = await signInAs(strict.app, t.smtp, owner.email);
      const res = await sb.agent.get(page).expect(200);
      expect(res.text).toContain('Must start with https://');
      const refused = await postForm(sb, page, page, { url: receiver.url('/local'), events: 'letter.delivered' });
      expect(refused.status).toBe(422);
    } finally {
      await strict.close();
    }
  });

  test('each goal milestone fires once, however many signatures pass it', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 4 });
    const hook = await addWebhook(letter, ['letter.milestone']);
    await signAndConfirm(letter); // 1 of 4: 25 %
    await receiver.waitFor(hook.path, 1, 'letter.milestone');
    await signAndConfirm(letter); // 50 %
    await receiver.waitFor(hook.path, 2, 'letter.milestone');
    // Two confirmations at once reach 75 % and 100 %: each fires once.
    await Promise.all([signAndConfirm(letter), signAndConfirm(letter)]);
    await receiver.waitFor(hook.path, 4, 'letter.milestone');
    await signAndConfirm(letter); // 125 %: nothing new
    await new Promise((r) => setTimeout(r, 1500));
    const got = receiver.on(hook.path, 'letter.milestone');
    expect(got.map((r) => r.body.data.percent).sort((a, c) => Number(a) - Number(c))).toEqual([25, 50, 75, 100]);
    expect(got.every((r) => r.verified)).toBe(true);
  });

  test('milestones already passed when the webhook is added are not announced', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 4 });
    await aSignature(t.db, letter);
    await aSignature(t.db, letter);
    const hook = await addWebhook(letter, ['letter.milestone']);
    await signAndConfirm(letter); // 75 %
    const got = await receiver.waitFor(hook.path, 1, 'letter.milestone');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on(hook.path, 'letter.milestone').map((r) => r.body.data.percent)).toEqual([75]);
    expect(got[0].body.data).toMatchObject({ goal: 4, verifiedCount: 3 });
  });

  test('withdrawal, delivery and an official response each reach the webhooks that chose them', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['signature.withdrawn', 'letter.delivered', 'response.received']);
    const form = signForm();
    await signAndConfirm(letter, form);
    // Withdrawal from the link in the emails.
    const mails = await t.smtp.waitFor(form.email);
    const withdraw = linkFrom(mails[0], '/s/withdraw/');
    const w = browser(t.app);
    const wpath = new URL(withdraw).pathname;
    const csrf = await w.csrfFrom(wpath);
    await w.agent
      .post(wpath)
      .type('form')
      .send({ _csrf: csrf })
      .expect((r) => expect(r.status).toBeLessThan(400));
    const [withdrawn] = await receiver.waitFor(hook.path, 1, 'signature.withdrawn');
    expect(withdrawn.body.data).toMatchObject({ letter: letter.slug, verifiedCount: 0 });
    // The owner records the delivery, then the response, on their pages.
    const dash = `/organise/letters/${letter.slug}`;
    const delivered = await postForm(b, dash, `${dash}/delivery`, {
      deliveredAt: new Date().toISOString().slice(0, 10),
      deliveredTo: 'The Minister',
    });
    expect(delivered.status).toBeLessThan(400);
    const [d] = await receiver.waitFor(hook.path, 1, 'letter.delivered');
    expect(d.body.data).toMatchObject({ letter: letter.slug, deliveredTo: 'The Minister' });
    const response = await postForm(b, `${dash}/response`, `${dash}/response`, {
      respondedOn: new Date().toISOString().slice(0, 10),
      body: 'We have read it.',
      link: '',
    });
    expect(response.status).toBe(303);
    const [r] = await receiver.waitFor(hook.path, 1, 'response.received');
    expect(r.body.data).toMatchObject({ letter: letter.slug });
    expect(receiver.on(hook.path, 'signature.confirmed')).toEqual([]);
  });

  test('an owner removes a webhook: nothing more is sent to it, and another letter’s owner cannot reach it', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['signature.confirmed']);
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const stranger = await anOrganiser(t.db);
    const sb = await signInAs(t.app, t.smtp, stranger.email);
    const own = await aLetterOf(t.db, stranger, 'owner');
    // Another letter's page does not know this endpoint.
    await sb.agent.get(`/organise/letters/${own.slug}/api/webhooks/${hook.id}`).expect(404);
    expect(
      (
        await postForm(
          sb,
          `/organise/letters/${own.slug}/api/webhooks`,
          `/organise/letters/${own.slug}/api/webhooks/${hook.id}/delete`,
        )
      ).status,
    ).toBe(404);
    const removed = await postForm(b, page, `${page}/${hook.id}/delete`);
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe(`${page}?removed=1`);
    await signAndConfirm(letter);
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.on(hook.path)).toEqual([]);
    const [audit] = await t.db.query<Array<{ kinds: string[] }>>(
      `SELECT array_agg(kind ORDER BY id) AS kinds FROM audit_events WHERE letter_id = $1 AND kind LIKE 'webhooks.%'`,
      [letter.id],
    );
    expect(audit.kinds).toEqual(['webhooks.endpoint-created', 'webhooks.endpoint-removed']);
    const [detail] = await t.db.query<Array<{ url: string }>>(
      `SELECT detail->>'url' AS url FROM audit_events WHERE letter_id = $1 AND kind = 'webhooks.endpoint-created'`,
      [letter.id],
    );
    expect(detail.url).toBe(new URL(receiver.url(hook.path)).origin);
  });

  test('the delivery log forgets deliveries finished more than 30 days ago', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const hook = await addWebhook(letter, ['letter.delivered']);
    const [old] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO webhook_deliveries (endpoint_id, event, status, attempts, created_at, finished_at) VALUES ($1, 'letter.delivered', 'delivered', 1, now() - interval '40 days', now() - interval '40 days') RETURNING id`,
      [hook.id],
    );
    await t.db.query(
      `INSERT INTO webhook_attempts (delivery_id, status_code, duration_ms, attempted_at) VALUES ($1, 200, 5, now() - interval '40 days')`,
      [old.id],
    );
    const [recent] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO webhook_deliveries (endpoint_id, event, status, attempts, created_at, finished_at) VALUES ($1, 'letter.delivered', 'delivered', 1, now() - interval '20 days', now() - interval '20 days') RETURNING id`,
      [hook.id],
    );
    expect(await pruneDeliveryLog(t.db)).toBeGreaterThanOrEqual(1);
    const left = await t.db.query<Array<{ id: string }>>(`SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, [
      hook.id,
    ]);
    expect(left.map((r) => r.id)).toEqual([recent.id]);
    const [attempts] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id = $1`,
      [old.id],
    );
    expect(Number(attempts.n)).toBe(0);
  });

  test('the form refuses a missing address and no events, with localized messages', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const res = await postForm(b, page, page, { url: 'not a url', events: 'signature.confirmed' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please enter a full web address');
    const none = await postForm(b, page, page, { url: receiver.url('/x') });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Please choose at least one event.');
  });

  test('every time in a webhook body is written one way: ISO 8601 UTC with milliseconds and Z', () => {
    const times: string[] = [];
    for (const r of receiver.received) {
      times.push(r.body.timestamp);
      const signedAt = (r.body.data.signature as { signedAt?: string } | undefined)?.signedAt;
      if (signedAt) times.push(signedAt);
      if (typeof r.body.data.deliveredAt === 'string') times.push(r.body.data.deliveredAt);
    }
    expect(new Set(receiver.received.map((r) => r.body.type))).toEqual(
      new Set([
        'signature.confirmed',
        'signature.withdrawn',
        'letter.milestone',
        'letter.delivered',
        'response.received',
        'webhook.test',
      ]),
    );
    expect(times.filter((x) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(x))).toEqual([]);
  });

  test('every webhook these tests received matches its schema, the one the OpenAPI document shows', () => {
    expect(receiver.received.length).toBeGreaterThan(10);
    for (const r of receiver.received) {
      const schema = WEBHOOK_PAYLOADS[r.body.type as keyof typeof WEBHOOK_PAYLOADS];
      expect([r.body.type, schema?.safeParse(r.body).success]).toEqual([r.body.type, true]);
    }
  });
});
