import { Letter } from '../../../src/core/letters/letter.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { ExportAudit } from '../../../src/features/exports/export-audit.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { exportBody } from '../../support/exports';

const t = useTestApp();

const OWNER_ONLY = 'Only an owner of this letter can do this';

/** A letter with an owner and an editor; the browser is the editor's. */
async function editorOfALetter(
  overrides: Parameters<typeof aLetterOf>[3] = {},
): Promise<{ b: Browser; letter: Letter; owner: Awaited<ReturnType<typeof anOrganiser>> }> {
  const owner = await anOrganiser(t.db);
  const editor = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open', ...overrides });
  await grantRole(t.db, editor.email, letter.slug, 'editor');
  const b = await signInAs(t.app, t.smtp, editor.email);
  return { b, letter, owner };
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('what only an owner may do', () => {
  test("an editor's forged closing date, default visibility or removed version answers 403 with the reason, and nothing changes", async () => {
    const { b, letter } = await editorOfALetter({ publicNamesDefault: 'private' });
    await t.db.getRepository(LetterTranslation).save({
      letterId: letter.id,
      language: 'uk',
      title: 'Лист',
      summary: '',
      body: 'Текст',
      recipient: 'Міністрові',
    });
    const edit = `/organise/letters/${letter.slug}/edit`;
    const page = await b.agent.get(edit).expect(200);
    expect(page.text).not.toContain('name="closesAt"');
    expect(page.text).not.toContain('name="publicNamesDefault"');
    expect(page.text).not.toMatch(/name="tr\d_remove"/);

    const text = {
      goal: '100',
      defaultLanguage: 'en',
      tr0_language: 'en',
      tr0_title: 'Edited by the editor',
      tr0_body: 'Body',
      tr0_recipient: 'The Minister',
      tr1_language: 'uk',
      tr1_title: 'Лист',
      tr1_body: 'Текст',
      tr1_recipient: 'Міністрові',
      action: 'save',
    };
    const forged: Array<Record<string, string>> = [
      { ...text, closesAt: '2000-01-01' },
      { ...text, publicNamesDefault: 'public' },
      { ...text, tr1_remove: 'on' },
      { ...text, tr1_language: '', tr1_title: '', tr1_body: '', tr1_recipient: '' },
    ];
    for (const form of forged) {
      const res = await postForm(b, edit, edit, form);
      expect(res.status).toBe(403);
      expect(res.text).toContain(OWNER_ONLY);
    }
    const stored = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { id: letter.id }, relations: { translations: true } });
    expect(stored.closesAt).toBeNull();
    expect(stored.publicNamesDefault).toBe('private');
    expect(stored.translations.map((x) => x.language).sort()).toEqual(['en', 'uk']);
    expect(stored.translations.find((x) => x.language === 'en')!.title).not.toBe('Edited by the editor');

    // The text itself is the editor's to change; the owner's settings stay as they were.
    const ok = await postForm(b, edit, edit, text);
    expect(ok.status).toBe(303);
    const after = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { id: letter.id }, relations: { translations: true } });
    expect(after.translations.find((x) => x.language === 'en')!.title).toBe('Edited by the editor');
    expect(after.closesAt).toBeNull();
    expect(after.publicNamesDefault).toBe('private');
    expect(after.status).toBe('open');
  });

  test('an editor cannot record a delivery: 403 with the reason, nothing recorded, and no delivery form on the dashboard', async () => {
    const { b, letter } = await editorOfALetter();
    const dashboard = `/organise/letters/${letter.slug}`;
    const page = await b.agent.get(dashboard).expect(200);
    expect(page.text).not.toContain(`action="${dashboard}/delivery"`);
    const res = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: '2000-01-01',
      deliveredTo: 'Someone',
    });
    expect(res.status).toBe(403);
    expect(res.text).toContain(OWNER_ONLY);
    const stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored.deliveredAt).toBeNull();
    expect(stored.deliveredTo).toBeNull();
  });

  test('an editor is refused the official response, the team and the allowed networks with 403 and the reason', async () => {
    const { b, letter, owner } = await editorOfALetter();
    const base = `/organise/letters/${letter.slug}`;
    for (const path of [`${base}/response`, `${base}/allow-list`, `${base}/updates`]) {
      const res = await b.agent.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toContain(OWNER_ONLY);
    }
    const posts: Array<[string, Record<string, string>]> = [
      [`${base}/response`, { respondedOn: day(0), body: 'An answer' }],
      [`${base}/allow-list`, { cidr: '192.0.2.0/24' }],
      [`${base}/team`, { email: 'someone@example.org', role: 'owner' }],
      [`${base}/team/remove`, { organiserId: owner.id }],
    ];
    for (const [path, form] of posts) {
      const res = await postForm(b, base, path, form);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toContain(OWNER_ONLY);
    }
    const team = await t.db.query<Array<{ role: string }>>(
      'SELECT role FROM letter_organisers WHERE letter_id = $1 ORDER BY role',
      [letter.id],
    );
    expect(team).toEqual([{ role: 'editor' }, { role: 'owner' }]);
    const networks = await t.db.query<unknown[]>('SELECT 1 FROM letter_allowed_networks WHERE letter_id = $1', [
      letter.id,
    ]);
    expect(networks).toHaveLength(0);
  });

  test("a delivery date in the future or before the letter was created is refused beside the field, in the reader's language", async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
    const b = await signInAs(t.app, t.smtp, owner.email);
    const dashboard = `/organise/letters/${letter.slug}`;

    const early = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: '2000-01-01',
      deliveredTo: 'The Minister',
    });
    expect(early.status).toBe(422);
    expect(early.text).toContain('The letter did not exist yet on this date.');
    const future = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: day(3),
      deliveredTo: 'The Minister',
    });
    expect(future.status).toBe(422);
    expect(future.text).toContain('A delivery cannot be in the future.');
    expect((await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id })).deliveredAt).toBeNull();

    const fr = await postForm(b, `${dashboard}?lang=fr`, `${dashboard}/delivery`, {
      deliveredAt: day(3),
      deliveredTo: 'Le ministre',
    });
    expect(fr.status).toBe(422);
    expect(fr.text).toContain('Une remise ne peut pas être dans le futur.');
    await b.agent.get(`${dashboard}?lang=en`).expect(200);

    const today = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: day(0),
      deliveredTo: 'The Minister',
    });
    expect(today.status).toBe(303);
    const stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored.deliveredAt?.toISOString().slice(0, 10)).toBe(day(0));
  });

  test("an editor sees the signers' names but not their email addresses, and cannot find anyone by address", async () => {
    const { b, letter, owner } = await editorOfALetter();
    await aSignature(t.db, letter, { fullName: 'Оксана Мельник', email: 'oksana.private@example.net' });
    await aSignature(t.db, letter, {
      fullName: 'Held Person',
      email: 'held.private@example.net',
      heldReason: 'burst-ip',
    });
    const dashboard = `/organise/letters/${letter.slug}`;
    const page = await b.agent.get(dashboard).expect(200);
    expect(page.text).toContain('Оксана Мельник');
    expect(page.text).toContain('Held Person');
    expect(page.text).not.toContain('oksana.private');
    expect(page.text).not.toContain('held.private');
    expect(page.text).toContain('•••@example.net');
    const byAddress = await b.agent
      .get(`${dashboard}?q=${encodeURIComponent('oksana.private@example.net')}`)
      .expect(200);
    expect(byAddress.text).not.toContain('Оксана Мельник');
    const byName = await b.agent.get(`${dashboard}?q=${encodeURIComponent('Мельник')}`).expect(200);
    expect(byName.text).toContain('Оксана Мельник');
    expect(byName.text).not.toContain('oksana.private');

    // The owner sees the addresses.
    const ob = await signInAs(t.app, t.smtp, owner.email);
    const ownerPage = await ob.agent
      .get(`${dashboard}?q=${encodeURIComponent('oksana.private@example.net')}`)
      .expect(200);
    expect(ownerPage.text).toContain('oksana.private@example.net');
  });

  test('an editor asking for email addresses in an export is refused with 403, and the option is not shown to them', async () => {
    const { b, letter } = await editorOfALetter();
    await aSignature(t.db, letter, { fullName: 'Оксана Мельник', email: 'oksana.export@example.net' });
    const form = `/organise/letters/${letter.slug}/export`;
    const page = await b.agent.get(form).expect(200);
    expect(page.text).not.toContain('name="includeEmail"');
    const csrf = await b.csrfFrom(form);
    const res = await b.agent
      .post(form)
      .type('form')
      .send(exportBody({ format: 'csv', includeEmail: true }, csrf));
    expect(res.status).toBe(403);
    expect(res.text).toContain(OWNER_ONLY);
    expect(res.text).not.toContain('oksana.export');
    expect(await t.db.getRepository(ExportAudit).countBy({ letterId: letter.id })).toBe(0);
    // Without the addresses the editor exports as before.
    const plain = await b.agent
      .post(form)
      .type('form')
      .send(exportBody({ format: 'csv' }, await b.csrfFrom(form)));
    expect(plain.status).toBe(200);
    expect(plain.text).toContain('Оксана Мельник');
    expect(plain.text).not.toContain('oksana.export');
  });
});
