import { spawnSync } from 'node:child_process';
import { listAudit, recordAudit } from '../../../src/core/audit';
import type { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { download } from '../../support/exports';

const t = useTestApp();

interface Owned {
  owner: Organiser;
  b: Browser;
  letter: Letter;
  dashboard: string;
}

async function ownLetter(name = 'Olga Organiser'): Promise<Owned> {
  const owner = await anOrganiser(t.db, { name });
  const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
  const b = await signInAs(t.app, t.smtp, owner.email);
  return { owner, b, letter, dashboard: `/organise/letters/${letter.slug}` };
}

/** The letter's events of one kind, oldest first, as plain objects. */
async function eventsOf(letterId: string, kind?: string) {
  const events = await listAudit(t.db, letterId, { kind });
  return events.reverse().map((e) => ({ kind: e.kind, actorId: e.actorId, actorName: e.actorName, detail: e.detail }));
}

async function paperImport(b: Browser, slug: string, sheet: string): Promise<string> {
  const res = await b.agent.post(await b.uploadAction(`/organise/letters/${slug}/paper`)).field('text', sheet);
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/').pop()!;
  const done = await postForm(
    b,
    `/organise/letters/${slug}/paper/${id}`,
    `/organise/letters/${slug}/paper/${id}/import`,
  );
  expect(done.status).toBe(303);
  return id;
}

const SHEET = [
  'Name,Country,City,Date',
  'Богдана Паперова,UA,Київ,2025-11-02',
  'Pierre Papier,FR,Lyon,2025-11-03',
].join('\n');

describe('the audit trail records what organisers do', () => {
  test('team changes: invitation sent, revoked, accepted (by the one who joins), role given, member removed', async () => {
    const { owner, b, letter } = await ownLetter();
    const edit = `/organise/letters/${letter.slug}/edit`;
    const inviteeEmail = `invitee-${letter.slug}@example.org`;
    expect(
      (
        await postForm(b, edit, `/organise/letters/${letter.slug}/team`, {
          email: 'someone-else@example.org',
          role: 'owner',
        })
      ).status,
    ).toBe(303);
    const [pending] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM team_invitations WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect((await postForm(b, edit, `/organise/letters/${letter.slug}/invitations/${pending.id}/revoke`)).status).toBe(
      303,
    );

    expect(
      (await postForm(b, edit, `/organise/letters/${letter.slug}/team`, { email: inviteeEmail, role: 'editor' }))
        .status,
    ).toBe(303);
    const [mail] = await t.smtp.waitFor(inviteeEmail);
    const link = new URL(linkFrom(mail, '/invitations/')).pathname;
    const visitor = browser(t.app);
    expect((await postForm(visitor, link, link)).status).toBe(200);
    const [joined] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM organisers WHERE email = $1`, [
      inviteeEmail,
    ]);

    const cli = await anOrganiser(t.db, { name: 'Cleo Command' });
    await grantRole(t.db, cli.email, letter.slug, 'editor');
    expect(
      (await postForm(b, edit, `/organise/letters/${letter.slug}/team/remove`, { organiserId: cli.id })).status,
    ).toBe(303);

    // The owner's own role came from the command line too (aLetterOf); the rest is the team's doing.
    const events = (await eventsOf(letter.id)).filter(
      (e) => e.kind !== 'organisers.role-granted' || e.detail.organiserId === cli.id,
    );
    const ownerActor = { actorId: owner.id, actorName: 'Olga Organiser' };
    expect(events).toEqual([
      { kind: 'organisers.invitation-sent', ...ownerActor, detail: { invitationId: pending.id, role: 'owner' } },
      { kind: 'organisers.invitation-revoked', ...ownerActor, detail: { invitationId: pending.id } },
      {
        kind: 'organisers.invitation-sent',
        ...ownerActor,
        detail: { invitationId: expect.any(String), role: 'editor' },
      },
      {
        kind: 'organisers.invitation-accepted',
        actorId: joined.id,
        actorName: '',
        detail: { invitationId: events[2].detail.invitationId, role: 'editor' },
      },
      {
        kind: 'organisers.role-granted',
        actorId: null,
        actorName: null,
        detail: { organiserId: cli.id, role: 'editor', member: 'Cleo Command' },
      },
      {
        kind: 'organisers.member-removed',
        ...ownerActor,
        detail: { organiserId: cli.id, role: 'editor', member: 'Cleo Command' },
      },
    ]);
    // No address of anyone invited is kept in the trail (it cannot be erased from it later).
    expect(JSON.stringify(events)).not.toContain('example.org');
  });

  test('moderation: each decision with its reason, by whom', async () => {
    const { owner, b, letter, dashboard } = await ownLetter();
    const hidden = await aSignature(t.db, letter);
    const wrong = await aSignature(t.db, letter);
    const held = await aSignature(t.db, letter, { heldReason: 'burst-ip' });
    await aSignature(t.db, letter, { email: 'one@spam-run.example' });
    await aSignature(t.db, letter, { email: 'two@spam-run.example', status: 'pending' });
    await postForm(b, dashboard, `${dashboard}/signatures/${hidden.id}/hide`);
    await postForm(b, dashboard, `${dashboard}/signatures/${hidden.id}/unhide`);
    await postForm(b, dashboard, `${dashboard}/signatures/${wrong.id}/invalidate`, {
      category: 'duplicate-person',
      reason: 'Signed twice',
      keepName: 'on',
    });
    await postForm(b, dashboard, `${dashboard}/signatures/${held.id}/release`);
    await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      domain: 'spam-run.example',
      category: 'bulk-bot',
      reason: 'A bot run',
    });
    // Invalidating again changes nothing, and records nothing.
    await postForm(b, dashboard, `${dashboard}/signatures/${wrong.id}/invalidate`, {
      category: 'other',
      reason: 'Again',
    });

    const by = { actorId: owner.id, actorName: 'Olga Organiser' };
    expect((await eventsOf(letter.id)).filter((e) => e.kind !== 'organisers.role-granted')).toEqual([
      { kind: 'organisers.signature-hidden', ...by, detail: { signatureId: hidden.id } },
      { kind: 'organisers.signature-unhidden', ...by, detail: { signatureId: hidden.id } },
      {
        kind: 'organisers.signature-invalidated',
        ...by,
        detail: { signatureId: wrong.id, reason: 'Signed twice', category: 'duplicate-person', keepName: true },
      },
      { kind: 'organisers.signature-released', ...by, detail: { signatureId: held.id, heldReason: 'burst-ip' } },
      {
        kind: 'organisers.domain-invalidated',
        ...by,
        detail: { domain: 'spam-run.example', reason: 'A bot run', category: 'bulk-bot', keepName: false, count: 2 },
      },
    ]);
  });

  test('paper imports, exports (linked to their export record), delivery, response and updates', async () => {
    const { owner, b, letter, dashboard } = await ownLetter();
    const by = { actorId: owner.id, actorName: 'Olga Organiser' };
    const importId = await paperImport(b, letter.slug, SHEET);
    const exported = await download(b, letter.slug, { format: 'csv' });
    expect(exported.status).toBe(200);
    const [exportRow] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM export_audit WHERE letter_id = $1`, [
      letter.id,
    ]);
    const today = new Date().toISOString().slice(0, 10);
    await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: today,
      deliveredTo: 'The Minister',
      deliveryNote: '',
    });
    await postForm(b, dashboard, `${dashboard}/delivery`, { deliveredAt: '', deliveredTo: '', deliveryNote: '' });
    await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: today,
      deliveredTo: 'The Minister',
      deliveryNote: '',
    });
    const response = `/organise/letters/${letter.slug}/response`;
    expect((await postForm(b, response, response, { respondedOn: today, body: 'The minister answered.' })).status).toBe(
      303,
    );
    const updates = `/organise/letters/${letter.slug}/updates`;
    expect(
      (await postForm(b, updates, updates, { subject_en: 'We delivered it', body_en: 'Thank you all.', step: 'send' }))
        .status,
    ).toBe(303);

    const events = (await eventsOf(letter.id)).filter((e) => e.kind !== 'organisers.role-granted');
    const [responseRow] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM letter_responses WHERE letter_id = $1`,
      [letter.id],
    );
    const [updateRow] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM letter_updates WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect(events).toEqual([
      { kind: 'paper.signatures-imported', ...by, detail: { importId, count: 2 } },
      {
        kind: 'exports.file-exported',
        ...by,
        detail: { exportId: exportRow.id, format: 'csv', purpose: 'delivery', rowCount: 2, includeEmail: false },
      },
      { kind: 'organisers.delivery-recorded', ...by, detail: { deliveredOn: today, deliveredTo: 'The Minister' } },
      { kind: 'organisers.delivery-cleared', ...by, detail: {} },
      { kind: 'organisers.delivery-recorded', ...by, detail: { deliveredOn: today, deliveredTo: 'The Minister' } },
      { kind: 'updates.response-recorded', ...by, detail: { responseId: responseRow.id, respondedOn: today } },
      { kind: 'updates.update-sent', ...by, detail: { updateId: updateRow.id, subject: 'We delivered it' } },
    ]);
  });

  test('allowed networks added and removed', async () => {
    const { owner, b, letter } = await ownLetter();
    const page = `/organise/letters/${letter.slug}/allow-list`;
    await postForm(b, page, page, { cidr: '192.0.2.77/24', note: 'Newsroom' });
    const [network] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM letter_allowed_networks WHERE letter_id = $1`,
      [letter.id],
    );
    await postForm(b, page, `${page}/${network.id}/delete`);
    const by = { actorId: owner.id, actorName: 'Olga Organiser' };
    expect(await eventsOf(letter.id, 'abuse.network-allowed')).toEqual([
      { kind: 'abuse.network-allowed', ...by, detail: { cidr: '192.0.2.0/24', note: 'Newsroom' } },
    ]);
    expect(await eventsOf(letter.id, 'abuse.network-removed')).toEqual([
      { kind: 'abuse.network-removed', ...by, detail: { cidr: '192.0.2.0/24' } },
    ]);
  });

  test("signers' names and addresses never enter the trail, whatever was done to their signatures", async () => {
    const { b, letter, dashboard } = await ownLetter();
    const signers = [
      await aSignature(t.db, letter, { fullName: 'Тарас Приватний', email: 'taras.private@mail.example' }),
      await aSignature(t.db, letter, {
        fullName: 'Aigerim Secret',
        email: 'aigerim@spam-run.example',
        heldReason: 'sustained-domain',
      }),
      await aSignature(t.db, letter, { fullName: 'Hidden Hannah', email: 'hannah@mail.example' }),
      await aSignature(t.db, letter, {
        fullName: 'Released Rami',
        email: 'rami@mail.example',
        heldReason: 'burst-email',
        city: 'Tbilisi',
      }),
    ];
    await postForm(b, dashboard, `${dashboard}/signatures/${signers[2].id}/hide`);
    await postForm(b, dashboard, `${dashboard}/signatures/${signers[3].id}/release`);
    await postForm(b, dashboard, `${dashboard}/signatures/${signers[0].id}/invalidate`, {
      category: 'requested-by-person',
      reason: 'Asked to be removed',
    });
    await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      domain: 'spam-run.example',
      category: 'bulk-bot',
      reason: 'bulk',
    });
    await paperImport(b, letter.slug, SHEET);
    expect((await download(b, letter.slug, { format: 'csv', includeEmail: true })).status).toBe(200);
    const updates = `/organise/letters/${letter.slug}/updates`;
    await postForm(b, updates, updates, { subject_en: 'News', body_en: 'Hello', step: 'send' });

    const rows = await t.db.query<Array<{ kind: string; detail: unknown }>>(
      `SELECT kind, detail FROM audit_events WHERE letter_id = $1`,
      [letter.id],
    );
    expect(rows.length).toBeGreaterThanOrEqual(7);
    const json = JSON.stringify(rows);
    for (const s of signers) {
      expect(json).not.toContain(s.fullName);
      expect(json).not.toContain(s.email!);
      if (s.city) expect(json).not.toContain(s.city);
    }
    for (const paperName of ['Богдана Паперова', 'Pierre Papier', 'Київ', 'Lyon'])
      expect(json).not.toContain(paperName);
  });
});

describe("the owners' view of the trail", () => {
  test('owners see it newest first, labelled, filterable by kind with a GET form; an unknown kind shows plainly', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const sig = await aSignature(t.db, letter);
    await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/hide`);
    await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      category: 'fake-name',
      reason: 'Fake <b>name</b>',
    });
    await recordAudit(t.db, { letterId: letter.id, actor: null, kind: 'future.something-new', detail: { n: 1 } });

    expect((await b.agent.get(dashboard).expect(200)).text).toContain(`href="/organise/letters/${letter.slug}/audit"`);
    const page = await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200);
    expect(page.headers['cache-control']).toContain('no-store');
    const text = page.text;
    expect(text).toContain('<form method="get"');
    const invalidated = text.indexOf(`Invalidated signature ${sig.id}: Fake &lt;b&gt;name&lt;/b&gt;`);
    const hidden = text.indexOf(`Hid signature ${sig.id} from the public list`);
    const unknown = text.indexOf('future.something-new');
    expect(unknown).toBeGreaterThan(-1);
    expect(invalidated).toBeGreaterThan(unknown);
    expect(hidden).toBeGreaterThan(invalidated);
    expect(text).toContain('Olga Organiser');

    const filtered = await b.agent
      .get(`/organise/letters/${letter.slug}/audit?kind=organisers.signature-hidden`)
      .expect(200);
    expect(filtered.text).toContain(`Hid signature ${sig.id}`);
    expect(filtered.text).not.toContain(`Invalidated signature ${sig.id}`);
    expect(filtered.text).toMatch(/<option value="organisers.signature-hidden" selected>/);

    const refused = await b.agent.get(`/organise/letters/${letter.slug}/audit?kind=${encodeURIComponent('<script>')}`);
    expect(refused.status).toBe(422);

    const uk = await b.agent.get(`/organise/letters/${letter.slug}/audit?lang=uk`).expect(200);
    expect(uk.text).toContain(`Приховано підпис ${sig.id}`);
  });

  test('editors and strangers do not see it', async () => {
    const { letter } = await ownLetter();
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const eb = await signInAs(t.app, t.smtp, editor.email);
    expect((await eb.agent.get(`/organise/letters/${letter.slug}/audit`)).status).toBe(403);
    expect((await eb.agent.get(`/organise/letters/${letter.slug}`)).text).not.toContain(
      `/organise/letters/${letter.slug}/audit`,
    );
    const stranger = await anOrganiser(t.db);
    const sb = await signInAs(t.app, t.smtp, stranger.email);
    expect((await sb.agent.get(`/organise/letters/${letter.slug}/audit`)).status).toBe(404);
    expect((await browser(t.app).agent.get(`/organise/letters/${letter.slug}/audit`)).status).toBe(303);
  });
});

describe('the PDF delivery pack', () => {
  test('ends with a summary of the trail, grouped per day, actor and reason, without personal data', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const dupes = [];
    for (const name of ['Duplicate Dmytro', 'Duplicate Daria', 'Duplicate Denys'])
      dupes.push(await aSignature(t.db, letter, { fullName: name }));
    await aSignature(t.db, letter, { fullName: 'Kept Kateryna', email: 'kateryna@mail.example' });
    for (const s of dupes)
      await postForm(b, dashboard, `${dashboard}/signatures/${s.id}/invalidate`, {
        category: 'duplicate-person',
        reason: `Same person as Kept Kateryna (${s.id})`,
      });
    // The category is chosen on the invalidation form; the summary names the category, never the typed reason.
    await paperImport(b, letter.slug, SHEET);

    const pdf = await download(b, letter.slug, { format: 'pdf' });
    expect(pdf.status).toBe(200);
    const text = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf.body as Buffer }).stdout.toString('utf8');
    const pages = text.split('\f').filter((p) => p.trim());
    const last = pages[pages.length - 1].replace(/\s+/g, ' ');
    const day = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date());
    expect(last).toContain("Record of the organisers' actions");
    expect(last).toContain(`3 signatures invalidated by Olga Organiser on ${day}: duplicate person`);
    expect(last).toContain(`2 paper signatures imported by Olga Organiser on ${day}`);
    for (const personal of ['Kateryna', 'Dmytro', 'Daria', 'Denys', 'Богдана', 'Pierre', 'Same person', '@'])
      expect(last).not.toContain(personal);
  });
});
