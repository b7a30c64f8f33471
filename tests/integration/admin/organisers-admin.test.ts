/**
 * Organisers in /admin: invited by email (the organisers' sign-in email), made and unmade admin,
 * removed from the instance: their sessions end, and on each letter what removing a team member
 * does to their API tokens, recipient links and webhooks happens too.
 */
import request from 'supertest';
import { setAdmin, grantRole } from '../../../src/core/access/organisers.service';
import { Organiser } from '../../../src/core/access/organiser.entity';
import { aLetterOf, anOrganiser, postForm, signInAs, signInLink, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();
let admin: Organiser;
let asAdmin: Browser;
beforeAll(async () => {
  admin = await anOrganiser(t.db, { name: 'Admin Dana' });
  await setAdmin(t.db, admin.email, true);
  asAdmin = await signInAs(t.app, t.smtp, admin.email);
});

test('an admin invites someone: they get the sign-in email and can sign in; the trail names them, not their address', async () => {
  const email = `invitee-${Date.now()}@example.org`;
  const res = await postForm(asAdmin, '/admin/organisers', '/admin/organisers', { email, name: 'Invited Ina' });
  expect(res.status).toBe(303);
  const link = await signInLink(t.smtp, email, 0);
  expect(link).toMatch(/^\/login\//);
  const [entry] = await t.db.query(
    `SELECT action, detail FROM instance_audit WHERE action = 'admin.organiser-invited' ORDER BY id DESC LIMIT 1`,
  );
  expect(entry.detail.member).toBe('Invited Ina');
  expect(JSON.stringify(entry)).not.toContain(email);
  const bad = await postForm(asAdmin, '/admin/organisers', '/admin/organisers', { email: 'nope' });
  expect(bad.status).toBe(422);
});

test('make and unmake admin; an admin cannot unmake themselves', async () => {
  const other = await anOrganiser(t.db);
  await postForm(asAdmin, '/admin/organisers', `/admin/organisers/${other.id}/admin`, { admin: '1' });
  expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: other.id })).isAdmin).toBe(true);
  await postForm(asAdmin, '/admin/organisers', `/admin/organisers/${other.id}/admin`, { admin: '0' });
  expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: other.id })).isAdmin).toBe(false);
  const self = await postForm(asAdmin, '/admin/organisers', `/admin/organisers/${admin.id}/admin`, { admin: '0' });
  expect(self.status).toBe(409);
});

test('removing an organiser ends their sessions, their tokens and links, and hands their lone letters to the admin', async () => {
  const member = await anOrganiser(t.db, { name: 'Removed Rustam' });
  const shared = await aLetterOf(t.db, admin, 'owner');
  await grantRole(t.db, member.email, shared.slug, 'owner');
  const alone = await aLetterOf(t.db, member, 'owner');
  // Recipient links are for a delivered letter.
  await t.db.query(
    `UPDATE letters SET created_at = '2025-12-01', delivered_at = '2026-01-10T12:00:00Z', delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
    [shared.id],
  );
  const asMember = await signInAs(t.app, t.smtp, member.email);

  const apiPage = `/organise/letters/${shared.slug}/api`;
  const made = await postForm(asMember, apiPage, `${apiPage}/tokens`, { name: 'Delivery CRM' });
  expect(made.status).toBe(201);
  const token = /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(made.text)![1];
  const linksPage = `/organise/letters/${shared.slug}/recipients`;
  const link = await postForm(asMember, linksPage, linksPage, {
    name: 'Jean Ministre',
    role: 'Minister',
    email: '',
    expiresOn: '2031-01-01',
  });
  expect(link.status).toBe(201);
  const linkPath = new URL(/value="(http:\/\/undersigned\.test\/r\/[A-Za-z0-9_-]+)"/.exec(link.text)![1]).pathname;
  // A webhook the member made (the owners' page checks its address reaches out; the row is what matters here).
  await t.db.query(
    `INSERT INTO webhook_endpoints (letter_id, url, secret, events, created_by) VALUES ($1, 'https://hooks.example.org/x', 'whsec_test', '{signature.confirmed}', $2)`,
    [shared.id, member.id],
  );
  await request(t.app).get(`/api/v1/letters/${shared.slug}`).set('Authorization', `Bearer ${token}`).expect(200);
  await request(t.app).get(linkPath).expect(200);

  const confirm = await asAdmin.agent.get(`/admin/organisers/${member.id}/remove`).expect(200);
  expect(confirm.text).toContain('Delivery CRM');
  expect(confirm.text).toContain(alone.slug);
  const res = await postForm(asAdmin, `/admin/organisers/${member.id}/remove`, `/admin/organisers/${member.id}/remove`);
  expect(res.status).toBe(303);

  // Signed out everywhere, and gone.
  const after = await asMember.agent.get('/organise');
  expect(after.status).toBe(303);
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM "session" WHERE sess->>'organiserId' = $1`, [
    member.id,
  ]);
  expect(n).toBe(0);
  expect(await t.db.getRepository(Organiser).findOneBy({ id: member.id })).toBeNull();
  // What they handed out ended, each in the letter's trail, by the admin.
  await request(t.app).get(`/api/v1/letters/${shared.slug}`).set('Authorization', `Bearer ${token}`).expect(401);
  await request(t.app).get(linkPath).expect(404);
  const [{ hooks }] = await t.db.query(`SELECT count(*)::int AS hooks FROM webhook_endpoints WHERE letter_id = $1`, [
    shared.id,
  ]);
  expect(hooks).toBe(0);
  const kinds = await t.db.query(`SELECT kind, actor_id FROM audit_events WHERE letter_id = $1 ORDER BY id`, [
    shared.id,
  ]);
  expect(kinds).toEqual(
    expect.arrayContaining([
      { kind: 'api.token-revoked-creator', actor_id: admin.id },
      { kind: 'recipients.link-revoked-creator', actor_id: admin.id },
      { kind: 'webhooks.endpoint-removed-creator', actor_id: admin.id },
      { kind: 'organisers.member-removed', actor_id: admin.id },
    ]),
  );
  // The letter they ran alone is the admin's now.
  const [owner] = await t.db.query(`SELECT organiser_id, role FROM letter_organisers WHERE letter_id = $1`, [alone.id]);
  expect(owner).toEqual({ organiser_id: admin.id, role: 'owner' });
  const [entry] = await t.db.query(
    `SELECT detail FROM instance_audit WHERE action = 'admin.organiser-removed' ORDER BY id DESC LIMIT 1`,
  );
  expect(entry.detail).toMatchObject({ organiserId: member.id, member: 'Removed Rustam', takenOver: 1 });
  // An admin cannot remove themselves.
  const self = await postForm(asAdmin, '/admin/organisers', `/admin/organisers/${admin.id}/remove`);
  expect(self.status).toBe(409);
});
