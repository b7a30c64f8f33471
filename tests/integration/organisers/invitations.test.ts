import crypto from 'node:crypto';
import { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import type { Letter } from '../../../src/core/letters/letter.entity';

const t = useTestApp();

const newAddress = () => `invitee-${crypto.randomBytes(4).toString('hex')}@example.org`;

async function ownerWithLetter(): Promise<{ b: Browser; letter: Letter; edit: string }> {
  const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Invitation test letter' });
  const b = await signInAs(t.app, t.smtp, owner.email);
  return { b, letter, edit: `/organise/letters/${letter.slug}/edit` };
}

async function invite(b: Browser, letter: Letter, email: string, role = 'editor') {
  return postForm(b, `/organise/letters/${letter.slug}/edit`, `/organise/letters/${letter.slug}/team`, { email, role });
}

/** The path of the invitation link in the newest invitation email to `email`. */
async function invitationLink(email: string, count = 1): Promise<string> {
  const mails = await t.smtp.waitFor(email, count);
  return new URL(linkFrom(mails[mails.length - 1], '/invitations/')).pathname;
}

async function rolesOf(letterId: string, email: string): Promise<string[]> {
  const rows = await t.db.query<Array<{ role: string }>>(
    'SELECT lo.role FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id WHERE lo.letter_id = $1 AND o.email = $2',
    [letterId, email.toLowerCase()],
  );
  return rows.map((r) => r.role);
}

describe('team invitations', () => {
  test('adding an address answers the same whether or not it belongs to an organiser, and makes nobody a member', async () => {
    const { b, letter, edit } = await ownerWithLetter();
    const known = await anOrganiser(t.db);
    const unknown = newAddress();

    const a = await invite(b, letter, known.email.toUpperCase());
    const c = await invite(b, letter, unknown);
    expect({ status: a.status, location: a.headers.location }).toEqual({
      status: c.status,
      location: c.headers.location,
    });
    expect(a.status).toBe(303);
    const pageA = await b.agent.get(a.headers.location.split('#')[0]);
    const pageC = await b.agent.get(c.headers.location.split('#')[0]);
    expect(pageA.status).toBe(pageC.status);
    expect(pageA.text).toContain('An invitation has been sent');
    expect(pageC.text).toContain('An invitation has been sent');

    expect(await rolesOf(letter.id, known.email)).toEqual([]);
    expect(await t.db.getRepository(Organiser).countBy({ email: unknown })).toBe(0);
    // Both get the same kind of email, with a link.
    const [mailA] = await t.smtp.waitFor(known.email);
    const [mailC] = await t.smtp.waitFor(unknown);
    expect(mailA.subject).toBe(mailC.subject);
    expect(mailA.text).toContain('Invitation test letter');
    expect(mailA.text).toContain('/invitations/');
    expect(mailA.text).toContain('Olena Owner');
    // The owner sees both as pending.
    const team = await b.agent.get(edit).expect(200);
    expect(team.text).toContain(known.email);
    expect(team.text).toContain(unknown);
  });

  test('opening the link changes nothing; pressing the button joins, once', async () => {
    const { b, letter } = await ownerWithLetter();
    const invitee = await anOrganiser(t.db);
    await invite(b, letter, invitee.email, 'editor');
    const link = await invitationLink(invitee.email);
    const ib = await signInAs(t.app, t.smtp, invitee.email);

    const page = await ib.agent.get(link).expect(200);
    expect(page.text).toContain('Invitation test letter');
    expect(page.text).toContain(`action="${link}"`);
    expect(await rolesOf(letter.id, invitee.email)).toEqual([]);

    const accepted = await postForm(ib, link, link);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe(`/organise/letters/${letter.slug}`);
    expect(await rolesOf(letter.id, invitee.email)).toEqual(['editor']);
    await ib.agent.get(`/organise/letters/${letter.slug}`).expect(200);

    // Single use.
    const again = await ib.agent.get(link);
    expect(again.status).toBe(410);
    const csrf = await ib.csrfFrom('/organise');
    expect((await ib.agent.post(link).type('form').send({ _csrf: csrf })).status).toBe(410);
  });

  test('the token is stored only as its hash', async () => {
    const { b, letter } = await ownerWithLetter();
    const email = newAddress();
    await invite(b, letter, email);
    const link = await invitationLink(email);
    const raw = link.split('/').pop()!;
    const rows = await t.db.query<Array<{ token_hash: string }>>(
      'SELECT token_hash FROM team_invitations WHERE letter_id = $1',
      [letter.id],
    );
    expect(rows).toEqual([{ token_hash: crypto.createHash('sha256').update(raw).digest('hex') }]);
    const anywhere = await t.db.query<unknown[]>(`SELECT 1 FROM team_invitations WHERE token_hash = $1 OR email = $1`, [
      raw,
    ]);
    expect(anywhere).toHaveLength(0);
  });

  test('an address with no account gets one on accepting, then signs in with it', async () => {
    const { b, letter } = await ownerWithLetter();
    const email = newAddress();
    await invite(b, letter, email, 'owner');
    const link = await invitationLink(email);
    const visitor = browser(t.app);
    const page = await visitor.agent.get(link).expect(200);
    expect(page.text).toContain(email);
    const csrf = await visitor.csrfFrom(link);
    const accepted = await visitor.agent.post(link).type('form').send({ _csrf: csrf });
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain('You have joined');
    expect(accepted.text).toContain('href="/login"');
    expect(await rolesOf(letter.id, email)).toEqual(['owner']);
    // Accepting did not sign anybody in: the workspace still asks to sign in.
    expect((await visitor.agent.get('/organise')).status).toBe(303);
    const ib = await signInAs(t.app, t.smtp, email);
    await ib.agent.get(`/organise/letters/${letter.slug}/edit`).expect(200);
  });

  test('signed in as another organiser, accepting is refused and nothing changes', async () => {
    const { b, letter } = await ownerWithLetter();
    const invitee = newAddress();
    await invite(b, letter, invitee);
    const link = await invitationLink(invitee);
    const other = await anOrganiser(t.db);
    const ob = await signInAs(t.app, t.smtp, other.email);
    const page = await ob.agent.get(link).expect(200);
    expect(page.text).toContain('This invitation was sent to another address');
    expect(page.text).not.toContain(`action="${link}"`);
    const csrf = await ob.csrfFrom('/organise');
    const res = await ob.agent.post(link).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This invitation was sent to another address');
    expect(await rolesOf(letter.id, other.email)).toEqual([]);
    expect(await rolesOf(letter.id, invitee)).toEqual([]);
    // The invitation is still there for the person it was sent to.
    await browser(t.app).agent.get(link).expect(200);
  });

  test('the owner revokes a pending invitation, and its link stops working', async () => {
    const { b, letter, edit } = await ownerWithLetter();
    const email = newAddress();
    await invite(b, letter, email);
    const link = await invitationLink(email);
    const [row] = await t.db.query<Array<{ id: string }>>('SELECT id FROM team_invitations WHERE letter_id = $1', [
      letter.id,
    ]);
    const team = await b.agent.get(edit).expect(200);
    expect(team.text).toContain(`/organise/letters/${letter.slug}/invitations/${row.id}/revoke`);
    const revoked = await postForm(b, edit, `/organise/letters/${letter.slug}/invitations/${row.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect((await b.agent.get(edit)).text).not.toContain(email);
    const visitor = browser(t.app);
    expect((await visitor.agent.get(link)).status).toBe(404);
    expect(await rolesOf(letter.id, email)).toEqual([]);
  });

  test('an expired invitation cannot be accepted', async () => {
    const { b, letter } = await ownerWithLetter();
    const email = newAddress();
    await invite(b, letter, email);
    const link = await invitationLink(email);
    await t.db.query(`UPDATE team_invitations SET expires_at = now() - interval '1 minute' WHERE letter_id = $1`, [
      letter.id,
    ]);
    const visitor = browser(t.app);
    const res = await visitor.agent.get(link);
    expect(res.status).toBe(410);
    expect(res.text).toContain('This invitation has expired');
  });

  test("an editor cannot invite, and another letter's owner cannot revoke", async () => {
    const { b, letter } = await ownerWithLetter();
    const email = newAddress();
    await invite(b, letter, email);
    const [row] = await t.db.query<Array<{ id: string }>>('SELECT id FROM team_invitations WHERE letter_id = $1', [
      letter.id,
    ]);
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const eb = await signInAs(t.app, t.smtp, editor.email);
    const dashboard = `/organise/letters/${letter.slug}`;
    expect((await postForm(eb, dashboard, `${dashboard}/team`, { email: newAddress(), role: 'owner' })).status).toBe(
      403,
    );
    expect((await postForm(eb, dashboard, `${dashboard}/invitations/${row.id}/revoke`)).status).toBe(403);
    // An owner of another letter names this invitation under their own letter: not found.
    const other = await ownerWithLetter();
    const res = await postForm(
      other.b,
      other.edit,
      `/organise/letters/${other.letter.slug}/invitations/${row.id}/revoke`,
    );
    expect(res.status).toBe(404);
    const left = await t.db.query<unknown[]>('SELECT 1 FROM team_invitations WHERE id = $1', [row.id]);
    expect(left).toHaveLength(1);
  });
});
