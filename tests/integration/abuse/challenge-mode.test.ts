import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { aLetter, signForm } from '../../support/factories';
import { solvedChallenge } from '../../support/challenge';
import { confirm, sign } from '../../support/journey';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import { browser, type TestApp, useTestApp } from '../../support/test-app';
import { listAudit } from '../../../src/core/audit';
import { challengeModeState, leaveQuietLetters, setChallengeMode } from '../../../src/features/abuse';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { grantRole } from '../../../src/core/access';

/** A documentation-range address no other test uses, so limit counters never meet. */
function anIp(): string {
  const b = crypto.randomBytes(3);
  return `100.${64 + (b[0] % 64)}.${b[1]}.${b[2] || 1}`;
}

/**
 * Many signers at once, 20 at a time: each client reads the page (and its CSRF token) once and
 * then posts for several people, each person from the network `ipOf` gives them.
 */
async function signMany(
  app: TestApp['app'],
  slug: string,
  forms: Array<{ form: Record<string, string>; ip: string }>,
): Promise<Response[]> {
  const clients = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const b = browser(app);
      return { b, csrf: await b.csrfFrom(`/letters/${slug}`) };
    }),
  );
  const answers: Response[] = [];
  for (let i = 0; i < forms.length; i += clients.length) {
    const wave = forms.slice(i, i + clients.length);
    answers.push(
      ...(await Promise.all(
        wave.map(({ form, ip }, k) =>
          clients[k].b.agent
            .post(`/letters/${slug}/sign`)
            .type('form')
            .set('X-Forwarded-For', ip)
            .send({ ...form, _csrf: clients[k].csrf }),
        ),
      )),
    );
  }
  return answers;
}

/** What a client can observe of a response, less what differs between any two requests. */
function observable(res: Response) {
  const headers = { ...res.headers };
  delete headers['set-cookie'];
  delete headers.date;
  return { status: res.status, headers, body: res.text.replace(/name="_csrf" value="[^"]+"/g, '') };
}

async function row(t: TestApp, email: string): Promise<{ held_reason: string | null; challenge_solved: boolean }> {
  const rows: Array<{ held_reason: string | null; challenge_solved: boolean }> = await t.db.query(
    'SELECT held_reason, challenge_solved FROM signatures WHERE email = $1',
    [email],
  );
  return rows[0];
}

/** Big public providers: shared by millions, exempt from the per-domain limits. */
const PROVIDERS = ['gmail.com', 'outlook.com', 'yahoo.com', 'ukr.net', 'mail.ru', 'yandex.ru', 'icloud.com', 'gmx.de'];

describe('challenge mode', () => {
  const t = useTestApp({ TRUST_PROXY: 'loopback' });

  test('is off by default: the sign form carries no challenge and loads none of its files', async () => {
    const letter = await aLetter(t.db);
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    expect(page.text).not.toContain('altcha');
  });

  test('in challenge mode, a signature without a solved challenge is answered exactly like a solved one, and held as challenge-missing', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    await setChallengeMode(t.ctx, letter.id, true, { id: owner.id, name: owner.name });

    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    expect(page.text).toContain(`<altcha-widget challenge="/letters/${letter.slug}/challenge"`);
    expect(page.text).toContain('<script type="module" src="/static/altcha/altcha.js"></script>');

    const solvedForm = signForm();
    const solved = await sign(
      t.app,
      letter.slug,
      { ...solvedForm, altcha: await solvedChallenge(t.app, letter.slug) },
      { ip: anIp() },
    );
    const bareForm = signForm();
    const bare = await sign(t.app, letter.slug, bareForm, { ip: anIp() });
    expect(solved.status).toBe(303);
    expect(observable(bare)).toEqual(observable(solved));
    expect(Object.keys(bare.headers).sort()).toEqual(Object.keys(solved.headers).sort());

    expect(await row(t, solvedForm.email)).toEqual({ held_reason: null, challenge_solved: true });
    expect(await row(t, bareForm.email)).toEqual({ held_reason: 'challenge-missing', challenge_solved: false });

    // Both are mailed; only the solved one counts once confirmed.
    for (const email of [solvedForm.email, bareForm.email]) {
      expect((await confirm(t, email)).status).toBe(200);
    }
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test('a solution signs once: replayed, or brought to another letter, it is no solution', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    const other = await aLetterOf(t.db, owner);
    await setChallengeMode(t.ctx, letter.id, true, { id: owner.id, name: owner.name });
    await setChallengeMode(t.ctx, other.id, true, { id: owner.id, name: owner.name });
    const payload = await solvedChallenge(t.app, letter.slug);

    const first = signForm();
    const replay = signForm();
    const elsewhere = signForm();
    const garbage = signForm();
    await sign(t.app, letter.slug, { ...first, altcha: payload }, { ip: anIp() });
    await sign(t.app, letter.slug, { ...replay, altcha: payload }, { ip: anIp() });
    await sign(t.app, other.slug, { ...elsewhere, altcha: await solvedChallenge(t.app, letter.slug) }, { ip: anIp() });
    await sign(
      t.app,
      letter.slug,
      {
        ...garbage,
        altcha: Buffer.from('{"challenge":{"parameters":{}},"solution":{}}').toString('base64'),
      },
      { ip: anIp() },
    );

    expect(await row(t, first.email)).toEqual({ held_reason: null, challenge_solved: true });
    expect(await row(t, replay.email)).toEqual({ held_reason: 'challenge-missing', challenge_solved: false });
    expect(await row(t, elsewhere.email)).toEqual({ held_reason: 'challenge-missing', challenge_solved: false });
    expect(await row(t, garbage.email)).toEqual({ held_reason: 'challenge-missing', challenge_solved: false });
  });

  test('the challenge is fresh for every reader and never cached', async () => {
    const letter = await aLetter(t.db);
    const a = await browser(t.app).agent.get(`/letters/${letter.slug}/challenge`).expect(200);
    const b = await browser(t.app).agent.get(`/letters/${letter.slug}/challenge`).expect(200);
    expect(a.headers['cache-control']).toBe('no-store');
    expect((a.body as { parameters: { nonce: string } }).parameters.nonce).not.toBe(
      (b.body as { parameters: { nonce: string } }).parameters.nonce,
    );
    expect((a.body as { parameters: { algorithm: string } }).parameters.algorithm).toBe('PBKDF2/SHA-256');
  });

  test("the widget's files are served from this site; nothing else of the package is", async () => {
    const js = await browser(t.app).agent.get('/static/altcha/altcha.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    await browser(t.app).agent.get('/static/altcha/pbkdf2-worker.js').expect(200);
    await browser(t.app).agent.get('/static/altcha/altcha.css').expect(200);
    await browser(t.app).agent.get('/static/altcha/package.json').expect(404);
    await browser(t.app).agent.get('/static/altcha/..%2Fpackage.json').expect(404);
  });
});

describe('challenge mode, automatically', () => {
  // The soft limits and challenge thresholds at their documented defaults.
  const t = useTestApp({
    TRUST_PROXY: 'loopback',
    SIGN_BURST_PER_IP_PER_MINUTE: '10',
    SIGN_BURST_PER_EMAIL_PER_MINUTE: '3',
    SIGN_SUSTAINED_PER_EMAIL_PER_HOUR: '4',
    SIGN_BURST_PER_DOMAIN_PER_MINUTE: '20',
    SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR: '200',
  });

  test('a legitimate surge (each signer on their own network, big providers, an office behind one address) never enters it', async () => {
    const letter = await aLetter(t.db);
    const office = anIp();
    // 300 people, each on their own network and a big provider; the first 15 from one office's address
    // (5 of those trip the per-network burst limit and are held, as they would be on any day).
    const people = Array.from({ length: 300 }, (_, n) => ({
      form: signForm({
        email: `person.${n}.${crypto.randomBytes(3).toString('hex')}@${PROVIDERS[n % PROVIDERS.length]}`,
      }),
      ip: n < 15 ? office : anIp(),
    }));
    const answers = await signMany(t.app, letter.slug, people);
    expect(answers.every((r) => r.status === 303)).toBe(true);
    const [{ total, held }]: Array<{ total: number; held: number }> = await t.db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE held_reason IS NOT NULL)::int AS held FROM signatures WHERE letter_id = $1`,
      [letter.id],
    );
    expect(total).toBe(300);
    expect(held).toBe(5);
    expect((await challengeModeState(t.db, letter.id)).active).toBe(false);
    expect(await listAudit(t.db, letter.id, { kind: 'abuse.challenge-mode-on' })).toEqual([]);
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    expect(page.text).not.toContain('altcha-widget');
  }, 180_000);

  test('many held signatures in a few minutes put the letter in it, on the dashboard and in the audit trail; a quiet period takes it out', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    // Signed in first: the bot's 300 confirmation emails then queue behind the sign-in link.
    const b = await signInAs(t.app, t.smtp, owner.email);
    // A bot: 8 networks, 3 domains of its own, 300 attempts.
    const networks = Array.from({ length: 8 }, anIp);
    const domains = ['mail-a.example', 'mail-b.example', 'mail-c.example'];
    await signMany(
      t.app,
      letter.slug,
      Array.from({ length: 300 }, (_, k) => ({
        form: signForm({ email: `bot${k}.${crypto.randomBytes(2).toString('hex')}@${domains[k % 3]}` }),
        ip: networks[k % 8],
      })),
    );
    const state = await challengeModeState(t.db, letter.id);
    expect(state).toMatchObject({ active: true, cause: 'auto' });
    const [entered] = await listAudit(t.db, letter.id, { kind: 'abuse.challenge-mode-on' });
    expect(entered.actorId).toBeNull();
    expect(entered.detail).toMatchObject({ cause: 'auto' });
    // Once in challenge mode, what the bot sends is held, whichever limit it trips or not, and its
    // first signatures, still unconfirmed, were held when the letter entered it.
    const [{ uncounted }]: Array<{ uncounted: number }> = await t.db.query(
      `SELECT count(*)::int AS uncounted FROM signatures WHERE letter_id = $1 AND held_reason IS NULL`,
      [letter.id],
    );
    expect(uncounted).toBe(0);

    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toContain('id="challenge-mode"');
    expect(dashboard.text).toContain('Challenge mode switched on');

    // No abuse for longer than the quiet period: the worker's chore turns it off, as the platform.
    await t.db.query(
      `UPDATE letter_challenge_modes SET last_abuse_at = now() - interval '31 minutes', changed_at = now() - interval '40 minutes' WHERE letter_id = $1`,
      [letter.id],
    );
    expect(await leaveQuietLetters(t.ctx)).toBeGreaterThanOrEqual(1);
    expect((await challengeModeState(t.db, letter.id)).active).toBe(false);
    const [left] = await listAudit(t.db, letter.id, { kind: 'abuse.challenge-mode-off' });
    expect(left.actorId).toBeNull();
  }, 180_000);

  test("an owner's switch: on until an owner turns it off, recorded with the owner's name; an editor cannot", async () => {
    const owner = await anOrganiser(t.db, { name: 'Owner Oksana' });
    const letter = await aLetterOf(t.db, owner);
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');

    const e = await signInAs(t.app, t.smtp, editor.email);
    const refused = await postForm(
      e,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/challenge-mode`,
      { mode: 'on' },
    );
    expect(refused.status).toBe(403);

    const b = await signInAs(t.app, t.smtp, owner.email);
    const on = await postForm(
      b,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/challenge-mode`,
      { mode: 'on' },
    );
    expect(on.status).toBe(303);
    expect(await challengeModeState(t.db, letter.id)).toMatchObject({ active: true, cause: 'owner' });
    const [entry] = await listAudit(t.db, letter.id, { kind: 'abuse.challenge-mode-on' });
    expect(entry).toMatchObject({ actorId: owner.id, actorName: 'Owner Oksana' });

    // The quiet period does not undo an owner's switch.
    await t.db.query(`UPDATE letter_challenge_modes SET changed_at = now() - interval '2 days' WHERE letter_id = $1`, [
      letter.id,
    ]);
    await leaveQuietLetters(t.ctx);
    expect((await challengeModeState(t.db, letter.id)).active).toBe(true);

    const bad = await postForm(
      b,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/challenge-mode`,
      { mode: 'maybe' },
    );
    expect(bad.status).toBe(422);
    const off = await postForm(
      b,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/challenge-mode`,
      { mode: 'off' },
    );
    expect(off.status).toBe(303);
    expect((await challengeModeState(t.db, letter.id)).active).toBe(false);
    expect(await listAudit(t.db, letter.id, { kind: 'abuse.challenge-mode-off' })).toHaveLength(1);
  });
});
