import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { setAdmin } from '../../../src/core/access';
import { applyRetention } from '../../../src/features/privacy';
import { REPORTS_PER_NETWORK_PER_HOUR } from '../../../src/features/reports';
import { aLetter, aSigner } from '../../support/factories';
import { download } from '../../support/exports';
import { aLetterOf, anOrganiser, signInAs } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

/** Each test reports from networks of its own, so that its counters start at zero. */
const aNetwork = () =>
  `198.51.100.${crypto.randomInt(1, 254)}, 10.${crypto.randomInt(0, 255)}.${crypto.randomInt(0, 255)}.${crypto.randomInt(1, 254)}`;

async function report(slug: string, fields: Record<string, string>, network = aNetwork()): Promise<request.Response> {
  const b = browser(t.app);
  const csrf = await b.csrfFrom(`/letters/${slug}/report`);
  return b.agent
    .post(`/letters/${slug}/report`)
    .set('X-Forwarded-For', network)
    .type('form')
    .send({ ...fields, _csrf: csrf });
}

async function anAdmin() {
  const admin = await anOrganiser(t.db, { name: 'Instance Admin' });
  await setAdmin(t.db, admin.email, true);
  return { admin, b: await signInAs(t.app, t.smtp, admin.email) };
}

test('every letter page links to a form that files a report, with no script and a CSRF token', async () => {
  const letter = await aLetter(t.db);
  const page = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
  expect(page.text).toContain(`href="/letters/${letter.slug}/report?lang=en"`);
  const form = await request(t.app).get(`/letters/${letter.slug}/report?lang=fr`).expect(200);
  expect(form.text).toContain('Signaler cette lettre');
  expect(form.text).not.toContain('<script');
  // Crawlers have nothing to find there.
  expect((await request(t.app).get('/robots.txt').expect(200)).text).toContain('Disallow: /letters/*/report');
  // Without the form's token nothing is filed.
  await request(t.app).post(`/letters/${letter.slug}/report`).type('form').send({ reason: 'spam' }).expect(403);

  const email = `reader-${crypto.randomBytes(3).toString('hex')}@example.org`;
  const res = await report(letter.slug, { reason: 'hateful', details: 'It calls for violence.', email });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/letters/${letter.slug}/report?sent=1&lang=en`);
  const sent = await request(t.app).get(res.headers.location).expect(200);
  expect(sent.text).toContain('Your report reached the site');
  const rows = await t.db.query(`SELECT * FROM letter_reports WHERE letter_id = $1`, [letter.id]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ reason: 'hateful', details: 'It calls for violence.', email, language: 'en' });
  // Nothing of the network is kept.
  expect(JSON.stringify(rows[0])).not.toMatch(/198\.51\.100/);
});

test('a report without a reason, with too long a text or a bad address is refused with a message, and nothing is filed', async () => {
  const letter = await aLetter(t.db);
  const none = await report(letter.slug, { details: 'x' });
  expect(none.status).toBe(422);
  expect(none.text).toContain('Choose what is wrong with the letter.');
  const long = await report(letter.slug, { reason: 'other', details: 'x'.repeat(2001) });
  expect(long.status).toBe(422);
  expect(long.text).toContain('Write at most 2000 characters.');
  const bad = await report(letter.slug, { reason: 'other', email: 'not an address' });
  expect(bad.status).toBe(422);
  const odd = await report(letter.slug, { reason: 'made-up' });
  expect(odd.status).toBe(422);
  expect(await t.db.query(`SELECT 1 FROM letter_reports WHERE letter_id = $1`, [letter.id])).toHaveLength(0);
  // A draft has no report form, as it has no page.
  const draft = await aLetter(t.db, { status: 'draft' });
  await request(t.app).get(`/letters/${draft.slug}/report`).expect(404);
});

test('reports are limited per network: past the limit the network is told to wait and nothing is filed', async () => {
  const letter = await aLetter(t.db);
  const network = aNetwork();
  for (let i = 0; i < REPORTS_PER_NETWORK_PER_HOUR; i++)
    expect((await report(letter.slug, { reason: 'spam' }, network)).status).toBe(303);
  const refused = await report(letter.slug, { reason: 'spam' }, network);
  expect(refused.status).toBe(429);
  expect(refused.text).toContain('Too many reports from your network');
  // Another network is not held back.
  expect((await report(letter.slug, { reason: 'spam' })).status).toBe(303);
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM letter_reports WHERE letter_id = $1`, [letter.id]);
  expect(n).toBe(REPORTS_PER_NETWORK_PER_HOUR + 1);
});

test("reports reach the admins' queue grouped per letter; a decision answers those who asked, is on the instance's trail, and their address goes", async () => {
  const many = await aLetter(t.db, { title: 'Reported many times' });
  const once = await aLetter(t.db, { title: 'Reported once' });
  const asker = `asker-${crypto.randomBytes(3).toString('hex')}@example.org`;
  await report(many.slug, { reason: 'hateful', details: 'Calls for violence against a group.', email: asker });
  await report(many.slug, { reason: 'hateful', details: 'Hateful words in the second paragraph.' });
  await report(many.slug, { reason: 'spam' });
  await report(once.slug, { reason: 'misleading', details: 'The figures are invented.' });

  const { admin, b } = await anAdmin();
  const queue = await b.agent.get('/admin/reports').expect(200);
  const group = (slug: string) => {
    const start = queue.text.indexOf(`href="/letters/${slug}?`);
    const end = queue.text.indexOf('</section>', start);
    return queue.text.slice(start, end);
  };
  expect(queue.text.indexOf(many.slug)).toBeLessThan(queue.text.indexOf(once.slug));
  expect(group(many.slug)).toContain('3 reports');
  expect(group(many.slug)).toContain('Hateful or threatening: 2');
  expect(group(many.slug)).toContain('Spam or advertising: 1');
  expect(group(many.slug)).toContain('Calls for violence against a group.');
  expect(group(many.slug)).toContain('Hateful words in the second paragraph.');
  expect(group(many.slug)).toContain('1 reporter asked for an answer.');
  expect(group(once.slug)).toContain('1 report');
  expect(group(once.slug)).toContain('The figures are invented.');
  // Admins see what reporters wrote, not who they are.
  expect(queue.text).not.toContain(asker);

  const csrf = await b.csrfFrom('/admin/reports');
  // A decision needs a choice.
  const missing = await b.agent.post(`/admin/reports/${many.id}`).type('form').send({ _csrf: csrf, note: '' });
  expect(missing.status).toBe(422);
  expect(missing.text).toContain('Choose a decision.');

  const known = t.smtp.to(asker).length;
  await b.agent
    .post(`/admin/reports/${many.id}`)
    .type('form')
    .send({ _csrf: csrf, decision: 'act', note: 'We asked the organisers to remove the paragraph.' })
    .expect(303)
    .expect('Location', '/admin/reports?decided=3');
  const after = await b.agent.get('/admin/reports').expect(200);
  expect(after.text).not.toContain(`href="/letters/${many.slug}?`);
  expect(after.text).toContain(`href="/letters/${once.slug}?`);
  // Deciding again: nothing left to decide.
  await b.agent.post(`/admin/reports/${many.id}`).type('form').send({ _csrf: csrf, decision: 'dismiss' }).expect(404);

  const [decision] = await t.db.query(`SELECT * FROM letter_report_decisions WHERE letter_id = $1`, [many.id]);
  expect(decision).toMatchObject({ decision: 'act', reports: 3, admin_id: admin.id });
  const trail = await t.db.query(
    `SELECT actor_id, action, detail FROM instance_audit WHERE action = 'reports.decide' AND detail->>'letterId' = $1`,
    [many.id],
  );
  expect(trail).toEqual([
    {
      actor_id: admin.id,
      action: 'reports.decide',
      detail: { letterId: many.id, slug: many.slug, decision: 'act', reports: 3 },
    },
  ]);

  const [mail] = (await t.smtp.waitFor(asker, known + 1)).slice(known);
  expect(mail.subject).toContain('Reported many times');
  expect(mail.text).toContain('They agreed that it breaks the site');
  expect(mail.text).toContain('We asked the organisers to remove the paragraph.');
  // Sent: the address is forgotten.
  for (let i = 0; i < 50; i++) {
    const [row] = await t.db.query(`SELECT count(email)::int AS n FROM letter_reports WHERE letter_id = $1`, [many.id]);
    if (row.n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(
    await t.db.query(`SELECT email FROM letter_reports WHERE letter_id = $1 AND email IS NOT NULL`, [many.id]),
  ).toEqual([]);
});

test("reporters are never shown to the letter's organisers: not on their pages, not in an export, not in the queue", async () => {
  const owner = await anOrganiser(t.db, { name: 'Letter Owner' });
  const letter = await aLetterOf(t.db, owner, 'owner');
  await aSigner(t.db, letter, { fullName: 'Aigerim Signer', email: 'aigerim-signer@example.org' });
  const email = `secret-reporter-${crypto.randomBytes(3).toString('hex')}@example.org`;
  const words = `Only the admins may read this ${crypto.randomBytes(3).toString('hex')}`;
  expect((await report(letter.slug, { reason: 'unlawful', details: words, email })).status).toBe(303);

  const b = await signInAs(t.app, t.smtp, owner.email);
  for (const page of ['', '/edit', '/audit', '/updates', '/response', '/recipients', '/api', '/export', '/paper']) {
    const res = await b.agent.get(`/organise/letters/${letter.slug}${page}`);
    expect({ page, status: res.status }).toEqual({ page, status: 200 });
    expect(res.text).not.toContain(email);
    expect(res.text).not.toContain(words);
    expect(res.text).not.toMatch(/report(ed|s)? (this|about)/i);
  }
  const overview = await b.agent.get('/organise').expect(200);
  expect(overview.text).not.toContain(words);
  for (const format of ['json', 'csv']) {
    const file = await download(b, letter.slug, { format, includeEmail: true });
    expect(file.status).toBe(200);
    const text = (file.body as Buffer).toString('utf8');
    expect(text).not.toContain(email);
    expect(text).not.toContain(words);
  }
  // The admins' queue is for admins only.
  await b.agent.get('/admin/reports').expect(403);
  // And no code outside the reports feature reads the reports' table.
  const readers = filesUnder(path.join(__dirname, '../../../src')).filter(
    (f) =>
      fs.readFileSync(f, 'utf8').includes('letter_reports') &&
      !f.includes(`${path.sep}features${path.sep}reports${path.sep}`),
  );
  expect(readers).toEqual([]);
});

test("retention erases reporters' words and addresses after the decision's period, or when nobody decided", async () => {
  const letter = await aLetter(t.db);
  for (let i = 0; i < 3; i++)
    await report(letter.slug, { reason: 'other', details: `words ${i}`, email: `r${i}@example.org` });
  const ids: string[] = (
    await t.db.query(`SELECT id FROM letter_reports WHERE letter_id = $1 ORDER BY details`, [letter.id])
  ).map((r: { id: string }) => r.id);
  const [decided] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO letter_report_decisions (letter_id, decision, reports, decided_at) VALUES ($1, 'dismiss', 1, now() - interval '31 days') RETURNING id`,
    [letter.id],
  );
  await t.db.query(`UPDATE letter_reports SET decision_id = $2 WHERE id = $1`, [ids[0], decided.id]);
  await t.db.query(`UPDATE letter_reports SET created_at = now() - interval '181 days' WHERE id = $1`, [ids[1]]);
  const report_ = await applyRetention(t.db, t.config);
  expect(report_.reportDetailsErased).toBeGreaterThanOrEqual(2);
  const rows = await t.db.query(`SELECT id, reason, details, email FROM letter_reports WHERE letter_id = $1`, [
    letter.id,
  ]);
  const byId = new Map(rows.map((r: { id: string }) => [r.id, r]));
  expect(byId.get(ids[0])).toMatchObject({ reason: 'other', details: null, email: null });
  expect(byId.get(ids[1])).toMatchObject({ reason: 'other', details: null, email: null });
  expect(byId.get(ids[2])).toMatchObject({ details: 'words 2', email: 'r2@example.org' });
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : [p];
  });
}
