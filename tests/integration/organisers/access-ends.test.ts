import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { formatterFactory, HtmlValidate, StaticConfigLoader, type ConfigData } from 'html-validate';
import request from 'supertest';
import { AccessEndsWithOwner1765000600000 } from '../../../migrations/1765000600000-AccessEndsWithOwner';
import { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

/**
 * Access ends with its owner: what an owner handed out on a letter (API tokens, recipient links,
 * webhooks) stops working when they leave its team or stop being an owner, unless the owner
 * removing them takes it over.
 */
let acting: Organiser;
let actingBrowser: Browser;
let receiver: http.Server;
const received: string[] = [];

const t = useTestApp();
beforeAll(async () => {
  acting = await anOrganiser(t.db, { name: 'Olena Owner' });
  actingBrowser = await signInAs(t.app, t.smtp, acting.email);
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.url ?? '');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

/** The pages pass html-validate, as tests/pages checks the others. */
async function expectValidHtml(name: string, html: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(path.resolve(__dirname, '../../../.htmlvalidate.cjs')) as ConfigData;
  const report = await new HtmlValidate(new StaticConfigLoader(config)).validateString(html, `${name}.html`);
  expect(report.valid ? '' : formatterFactory('stylish')(report.results)).toBe('');
}

const receiverUrl = (path: string) => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`;

interface Handed {
  letter: Letter;
  member: Organiser;
  memberBrowser: Browser;
  token: string;
  linkPath: string;
  hookPath: string;
  hookId: string;
}

/**
 * A delivered letter with a private signer, owned by `acting` and by a second owner who creates a
 * delivery token, a recipient link valid until 2031 and a webhook.
 */
async function aSecondOwnerWithAccess(memberName = 'Marta Member'): Promise<Handed> {
  const letter = await aLetterOf(t.db, acting, 'owner');
  await t.db.query(
    `UPDATE letters SET created_at = '2025-12-01', delivered_at = '2026-01-10T12:00:00Z', delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
    [letter.id],
  );
  await aSignature(t.db, letter, { fullName: 'Приватна Підписантка', visibility: 'private', status: 'confirmed' });
  const member = await anOrganiser(t.db, { name: memberName });
  await grantRole(t.db, member.email, letter.slug, 'owner');
  const memberBrowser = await signInAs(t.app, t.smtp, member.email);

  const apiPage = `/organise/letters/${letter.slug}/api`;
  const made = await postForm(memberBrowser, apiPage, `${apiPage}/tokens`, { name: 'Delivery CRM', forDelivery: 'on' });
  expect(made.status).toBe(201);
  const token = /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(made.text)![1];

  const linksPage = `/organise/letters/${letter.slug}/recipients`;
  const link = await postForm(memberBrowser, linksPage, linksPage, {
    name: 'Jean Ministre',
    role: 'Minister',
    email: '',
    expiresOn: '2031-01-01',
  });
  expect(link.status).toBe(201);
  const linkPath = new URL(/value="(http:\/\/undersigned\.test\/r\/[A-Za-z0-9_-]+)"/.exec(link.text)![1]).pathname;

  const hookPath = `/hook-${letter.slug}`;
  const hooksPage = `/organise/letters/${letter.slug}/api/webhooks`;
  const hook = await postForm(memberBrowser, hooksPage, hooksPage, {
    url: receiverUrl(hookPath),
    events: 'signature.confirmed',
  });
  expect(hook.status).toBe(201);
  const [{ id: hookId }] = await t.db.query<Array<{ id: string }>>(
    `SELECT id FROM webhook_endpoints WHERE letter_id = $1`,
    [letter.id],
  );

  // Everything works while the member is an owner.
  const names = await request(t.app)
    .get(`/api/v1/letters/${letter.slug}/signatures`)
    .set('Authorization', `Bearer ${token}`)
    .expect(200);
  expect(JSON.stringify(names.body)).toContain('Приватна Підписантка');
  await request(t.app).get(linkPath).expect(200);
  return {
    letter: await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id }),
    member,
    memberBrowser,
    token,
    linkPath,
    hookPath,
    hookId,
  };
}

async function auditKinds(letterId: string): Promise<Array<{ kind: string; actor_id: string | null }>> {
  return t.db.query(`SELECT kind, actor_id FROM audit_events WHERE letter_id = $1 ORDER BY id`, [letterId]);
}

async function waitForTestEvent(path: string): Promise<void> {
  for (let i = 0; i < 200 && !received.includes(path); i++) await new Promise((r) => setTimeout(r, 50));
  expect(received).toContain(path);
}

describe('removing an owner', () => {
  test('the owners are shown what will be revoked first; confirming revokes token, link and webhook with the removal, each in the trail', async () => {
    const h = await aSecondOwnerWithAccess();
    const edit = `/organise/letters/${h.letter.slug}/edit`;
    const asked = await postForm(actingBrowser, edit, `/organise/letters/${h.letter.slug}/team/remove`, {
      organiserId: h.member.id,
    });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Marta Member');
    expect(asked.text).toContain('Delivery CRM');
    expect(asked.text).toContain('Jean Ministre');
    expect(asked.text).toContain(receiverUrl(h.hookPath));
    expect(asked.text).toContain('name="handOver"');
    await expectValidHtml('remove-member', asked.text);
    // Nothing has changed yet.
    const [still] = await t.db.query(`SELECT 1 FROM letter_organisers WHERE letter_id = $1 AND organiser_id = $2`, [
      h.letter.id,
      h.member.id,
    ]);
    expect(still).toBeDefined();
    await request(t.app).get(h.linkPath).expect(200);

    const done = await postForm(actingBrowser, edit, `/organise/letters/${h.letter.slug}/team/remove`, {
      organiserId: h.member.id,
      confirm: '1',
      handOver: 'revoke',
    });
    expect(done.status).toBe(303);

    const api = await request(t.app)
      .get(`/api/v1/letters/${h.letter.slug}/signatures`)
      .set('Authorization', `Bearer ${h.token}`);
    expect(api.status).toBe(401);
    expect(JSON.stringify(api.body)).not.toContain('Приватна');
    await request(t.app).get(h.linkPath).expect(404);
    // The webhook is gone: no test event can be sent to it, and a new signature reaches nobody.
    const hooks = `/organise/letters/${h.letter.slug}/api/webhooks`;
    expect((await postForm(actingBrowser, hooks, `${hooks}/${h.hookId}/test`)).status).toBe(404);
    const endpoints = await t.db.query(`SELECT 1 FROM webhook_endpoints WHERE letter_id = $1`, [h.letter.id]);
    expect(endpoints).toHaveLength(0);
    const [deliveries] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1`,
      [h.hookId],
    );
    expect(Number(deliveries.n)).toBe(0);

    const trail = await auditKinds(h.letter.id);
    const ends = trail.filter((e) => /revoked-creator|removed-creator|member-removed/.test(e.kind));
    expect(ends.map((e) => e.kind).sort()).toEqual([
      'api.token-revoked-creator',
      'organisers.member-removed',
      'recipients.link-revoked-creator',
      'webhooks.endpoint-removed-creator',
    ]);
    expect(ends.every((e) => e.actor_id === acting.id)).toBe(true);
    // The names typed by people (the token's, the addressee's, the member's) stay out of the trail
    // rows, which nobody can erase: they are in the erasable details the rows reference.
    const rows = await t.db.query<Array<{ detail: string; erasable: string | null }>>(
      `SELECT e.detail::text AS detail, d.detail::text AS erasable FROM audit_events e LEFT JOIN audit_details d ON d.id = e.detail_id
        WHERE e.letter_id = $1 AND e.kind LIKE '%-creator'`,
      [h.letter.id],
    );
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.detail).join(' ')).not.toMatch(/Delivery CRM|Jean Ministre|Marta Member/);
    expect(rows.map((r) => r.erasable).join(' ')).toMatch(/Delivery CRM/);
    const page = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/audit`).expect(200);
    expect(page.text).toContain('Revoked the API token “Delivery CRM” created by Marta Member');
  });

  test('handing over keeps token, link and webhook working, with the acting owner as their creator', async () => {
    const h = await aSecondOwnerWithAccess('Mykola Member');
    const edit = `/organise/letters/${h.letter.slug}/edit`;
    const done = await postForm(actingBrowser, edit, `/organise/letters/${h.letter.slug}/team/remove`, {
      organiserId: h.member.id,
      confirm: '1',
      handOver: 'me',
    });
    expect(done.status).toBe(303);
    const [gone] = await t.db.query(`SELECT 1 FROM letter_organisers WHERE letter_id = $1 AND organiser_id = $2`, [
      h.letter.id,
      h.member.id,
    ]);
    expect(gone).toBeUndefined();

    const api = await request(t.app)
      .get(`/api/v1/letters/${h.letter.slug}/signatures`)
      .set('Authorization', `Bearer ${h.token}`)
      .expect(200);
    expect(JSON.stringify(api.body)).toContain('Приватна Підписантка');
    await request(t.app).get(h.linkPath).expect(200);
    const hooks = `/organise/letters/${h.letter.slug}/api/webhooks`;
    expect((await postForm(actingBrowser, hooks, `${hooks}/${h.hookId}/test`)).status).toBe(303);
    await waitForTestEvent(h.hookPath);

    for (const table of ['api_tokens', 'recipient_links', 'webhook_endpoints']) {
      const rows = await t.db.query<Array<{ created_by: string }>>(
        `SELECT created_by FROM ${table} WHERE letter_id = $1`,
        [h.letter.id],
      );
      expect(rows.map((r) => r.created_by)).toEqual([acting.id]);
    }
    const kinds = (await auditKinds(h.letter.id)).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['api.token-handed-over', 'recipients.link-handed-over', 'webhooks.endpoint-handed-over']),
    );
    expect(kinds.some((k) => k.endsWith('-creator'))).toBe(false);
    // The pages name the new creator.
    const tokens = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/api`).expect(200);
    expect(tokens.text).toContain('Olena Owner');
    expect(tokens.text).not.toContain('Mykola Member');
  });

  test('an owner who leaves takes their access with them (no hand-over to offer)', async () => {
    const h = await aSecondOwnerWithAccess();
    const edit = `/organise/letters/${h.letter.slug}/edit`;
    const asked = await postForm(h.memberBrowser, edit, `/organise/letters/${h.letter.slug}/team/remove`, {
      organiserId: h.member.id,
    });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Delivery CRM');
    expect(asked.text).not.toContain('name="handOver"');
    // Asking to hand over to oneself is ignored: the items are revoked.
    const left = await postForm(h.memberBrowser, edit, `/organise/letters/${h.letter.slug}/team/remove`, {
      organiserId: h.member.id,
      confirm: '1',
      handOver: 'me',
    });
    expect(left.status).toBe(303);
    expect(left.headers.location).toBe('/organise');
    await request(t.app).get(`/api/v1/letters/${h.letter.slug}`).set('Authorization', `Bearer ${h.token}`).expect(401);
    await request(t.app).get(h.linkPath).expect(404);
    const [hook] = await t.db.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1`, [h.hookId]);
    expect(hook).toBeUndefined();
  });

  test('lowering an owner to editor (as the command line does) revokes what they created, by the platform', async () => {
    const h = await aSecondOwnerWithAccess();
    await grantRole(t.db, h.member.email, h.letter.slug, 'editor');
    await request(t.app)
      .get(`/api/v1/letters/${h.letter.slug}/signatures`)
      .set('Authorization', `Bearer ${h.token}`)
      .expect(401);
    await request(t.app).get(h.linkPath).expect(404);
    const [hook] = await t.db.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1`, [h.hookId]);
    expect(hook).toBeUndefined();
    const ends = (await auditKinds(h.letter.id)).filter((e) => e.kind.endsWith('-creator'));
    expect(ends).toHaveLength(3);
    expect(ends.every((e) => e.actor_id === null)).toBe(true);
    // Granting editor again, or owner back, brings nothing back.
    await grantRole(t.db, h.member.email, h.letter.slug, 'owner');
    await request(t.app).get(h.linkPath).expect(404);
  });

  test('npm run organiser: making an owner an editor says what it revoked, and revokes it', async () => {
    const h = await aSecondOwnerWithAccess();
    const root = path.resolve(__dirname, '../../..');
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: process.env.TEST_DB_URL, LOG_LEVEL: 'silent' };
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules/.bin/tsx'),
      ['src/app/cli/organiser.ts', 'grant', h.member.email, h.letter.slug, 'editor'],
      {
        cwd: root,
        env,
        timeout: 60_000,
      },
    );
    expect(stdout).toContain(`${h.member.email} is now editor of ${h.letter.slug}`);
    expect(stdout).toContain('revoked API token: Delivery CRM');
    expect(stdout).toContain('revoked recipient link: Jean Ministre, Minister (2031-01-01)');
    expect(stdout).toContain(`revoked webhook: ${receiverUrl(h.hookPath)}`);
    await request(t.app).get(`/api/v1/letters/${h.letter.slug}`).set('Authorization', `Bearer ${h.token}`).expect(401);
    await request(t.app).get(h.linkPath).expect(404);
  }, 90_000);

  test('removing an owner who handed nothing out needs no confirmation page', async () => {
    const letter = await aLetterOf(t.db, acting, 'owner');
    const other = await anOrganiser(t.db);
    await grantRole(t.db, other.email, letter.slug, 'owner');
    const edit = `/organise/letters/${letter.slug}/edit`;
    const done = await postForm(actingBrowser, edit, `/organise/letters/${letter.slug}/team/remove`, {
      organiserId: other.id,
    });
    expect(done.status).toBe(303);
  });
});

describe('the database keeps access with owners', () => {
  test('a token, link or webhook is written only for a creator who is an owner of the letter', async () => {
    const letter = await aLetterOf(t.db, acting, 'owner');
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    await expect(
      t.db.query(
        `INSERT INTO api_tokens (letter_id, name, token_hash, created_by) VALUES ($1, 'x', repeat('a', 64), $2)`,
        [letter.id, editor.id],
      ),
    ).rejects.toThrow(/only by an owner/);
    await expect(
      t.db.query(
        `INSERT INTO recipient_links (letter_id, token_hash, name, created_by, expires_at) VALUES ($1, repeat('b', 64), 'x', $2, now() + interval '1 day')`,
        [letter.id, editor.id],
      ),
    ).rejects.toThrow(/only by an owner/);
    await expect(
      t.db.query(
        `INSERT INTO webhook_endpoints (letter_id, url, events, secret, created_by) VALUES ($1, 'http://127.0.0.1:9/x', '{webhook.test}', 'whsec_AAAA', $2)`,
        [letter.id, editor.id],
      ),
    ).rejects.toThrow(/only by an owner/);
  });

  test('the migration revokes what owners removed before it left behind, each in the trail', async () => {
    const h = await aSecondOwnerWithAccess('Former Owner');
    const runner = t.db.createQueryRunner();
    await runner.startTransaction();
    try {
      // As before the migration: the member is taken off the team and everything stays live.
      const migration = new AccessEndsWithOwner1765000600000();
      await migration.down(runner);
      await runner.query(`DELETE FROM letter_organisers WHERE letter_id = $1 AND organiser_id = $2`, [
        h.letter.id,
        h.member.id,
      ]);
      const [live] = await runner.query(
        `SELECT count(*)::int AS n FROM api_tokens WHERE letter_id = $1 AND revoked_at IS NULL`,
        [h.letter.id],
      );
      expect(live.n).toBe(1);

      await migration.up(runner);
      const [tokens] = await runner.query(
        `SELECT count(*)::int AS n FROM api_tokens WHERE letter_id = $1 AND revoked_at IS NULL`,
        [h.letter.id],
      );
      const [links] = await runner.query(
        `SELECT count(*)::int AS n FROM recipient_links WHERE letter_id = $1 AND revoked_at IS NULL`,
        [h.letter.id],
      );
      const [hooks] = await runner.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE letter_id = $1`, [
        h.letter.id,
      ]);
      expect([tokens.n, links.n, hooks.n]).toEqual([0, 0, 0]);
      const trail = await runner.query(
        `SELECT kind, actor_id, detail->>'member' AS member FROM audit_events WHERE letter_id = $1 AND kind LIKE '%-creator' ORDER BY kind`,
        [h.letter.id],
      );
      expect(trail).toEqual([
        { kind: 'api.token-revoked-creator', actor_id: null, member: 'Former Owner' },
        { kind: 'recipients.link-revoked-creator', actor_id: null, member: 'Former Owner' },
        { kind: 'webhooks.endpoint-removed-creator', actor_id: null, member: 'Former Owner' },
      ]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});

describe('who created what', () => {
  test('tokens, links and webhooks name their creator, or “An organiser” for one without a name', async () => {
    const h = await aSecondOwnerWithAccess('Nadia Named');
    const tokens = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/api`).expect(200);
    expect(tokens.text).toContain('Created by');
    expect(tokens.text).toContain('Nadia Named');
    const links = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/recipients`).expect(200);
    expect(links.text).toContain('Nadia Named');
    const hooks = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/api/webhooks`).expect(200);
    expect(hooks.text).toContain('Nadia Named');
    await expectValidHtml('recipient-links', links.text);
    await expectValidHtml('webhooks', hooks.text);

    await t.db.query(`UPDATE organisers SET name = '' WHERE id = $1`, [h.member.id]);
    for (const page of ['api', 'recipients', 'api/webhooks']) {
      const res = await actingBrowser.agent.get(`/organise/letters/${h.letter.slug}/${page}`).expect(200);
      expect(res.text).toContain('An organiser');
    }
  });
});

describe('API token expiry', () => {
  test('a token with an expiry works until then, shows it in the list, and is refused like a revoked one after', async () => {
    const letter = await aLetterOf(t.db, acting, 'owner');
    const page = `/organise/letters/${letter.slug}/api`;
    const past = await postForm(actingBrowser, page, `${page}/tokens`, { name: 'Old', expiresOn: '2020-01-01' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('Choose a day after today.');
    const bad = await postForm(actingBrowser, page, `${page}/tokens`, { name: 'Bad', expiresOn: '2031-02-30' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a date as YYYY-MM-DD, or leave it empty.');

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const made = await postForm(actingBrowser, page, `${page}/tokens`, { name: 'Short-lived', expiresOn: tomorrow });
    expect(made.status).toBe(201);
    const token = /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(made.text)![1];
    const [row] = await t.db.query<Array<{ id: string; expires_at: Date }>>(
      `SELECT id, expires_at FROM api_tokens WHERE letter_id = $1`,
      [letter.id],
    );
    expect(row.expires_at.toISOString()).toBe(`${tomorrow}T23:59:59.999Z`);
    await request(t.app).get(`/api/v1/letters/${letter.slug}`).set('Authorization', `Bearer ${token}`).expect(200);
    const list = await actingBrowser.agent.get(page).expect(200);
    expect(list.text).toContain('Expires');
    await expectValidHtml('api-tokens', list.text);

    await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [row.id]);
    const refused = await request(t.app)
      .get(`/api/v1/letters/${letter.slug}/signatures`)
      .set('Authorization', `Bearer ${token}`)
      .expect(401);
    expect(refused.headers['www-authenticate']).toContain('invalid_token');
    const after = await actingBrowser.agent.get(page).expect(200);
    expect(after.text).toMatch(/<td>\s*Expired\s*<\/td>/);
  });
});
