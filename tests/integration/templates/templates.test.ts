import { setAdmin } from '../../../src/core/access';
import { anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();
let admin: Browser;
let starter: Browser;
beforeAll(async () => {
  const a = await anOrganiser(t.db, { name: 'Ada Admin' });
  await setAdmin(t.db, a.email, true);
  admin = await signInAs(t.app, t.smtp, a.email);
  starter = await signInAs(t.app, t.smtp, (await anOrganiser(t.db)).email);
});

const unique = () => Math.random().toString(36).slice(2, 8);

function aTemplateForm(overrides: Record<string, string | string[]> = {}) {
  return {
    name: `Release a prisoner ${unique()}`,
    guidance: 'Name the prisoner and the court.\n\nSay what you ask in one sentence.',
    defaultLanguage: 'en',
    languages: ['fr', 'uk'],
    goal: '5000',
    deadlineDays: '30',
    publicNamesDefault: 'initials',
    recipient: 'The Prosecutor General',
    title: 'Free [name] now',
    summary: 'We ask for the immediate release of [name].',
    body: 'Dear Prosecutor General,\n\n[name] has been held since [date].',
    ...overrides,
  };
}

async function createTemplate(form = aTemplateForm()) {
  const res = await postForm(
    admin,
    '/admin/templates/new',
    '/admin/templates',
    form as unknown as Record<string, string>,
  );
  expect([res.status, res.headers.location]).toEqual([303, '/admin/templates?saved=created']);
  const [row] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM letter_templates WHERE name = $1`, [form.name]);
  return { id: row.id, form };
}

/** The option chosen in a form's select, or null. */
function selected(html: string, name: string): string | null {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return /<option value="([^"]*)"[^>]*selected/.exec(select)?.[1] ?? null;
}

async function instanceTrail(templateId: string): Promise<string[]> {
  const rows = await t.db.query<Array<{ action: string }>>(
    `SELECT action FROM instance_audit WHERE detail->>'templateId' = $1 ORDER BY id`,
    [templateId],
  );
  return rows.map((r) => r.action);
}

describe('letter templates', () => {
  test('only admins keep templates', async () => {
    expect((await starter.agent.get('/admin/templates')).status).toBe(403);
    expect((await starter.agent.get('/admin/templates/new')).status).toBe(403);
    const list = await admin.agent.get('/admin/templates');
    expect(list.status).toBe(200);
  });

  test('an admin saves a template; a name is required, in the admin’s language', async () => {
    const { id, form } = await createTemplate();
    const list = await admin.agent.get('/admin/templates?saved=created');
    expect(list.text).toContain(form.name);
    expect(await instanceTrail(id)).toEqual(['templates.created']);

    const missing = await postForm(admin, '/admin/templates/new', '/admin/templates', {
      ...aTemplateForm({ name: '  ' }),
    } as unknown as Record<string, string>);
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Give the template a name.');
    const fr = await postForm(admin, '/admin/templates/new?lang=fr', '/admin/templates?lang=fr', {
      ...aTemplateForm({ name: '', deadlineDays: '9999' }),
    } as unknown as Record<string, string>);
    expect(fr.status).toBe(422);
    expect(fr.text).toContain('Donnez un nom au modèle.');
    expect(fr.text).toContain('La date limite est un nombre entier de jours, de 1 à 3650.');
    await admin.agent.get('/admin/templates?lang=en');
  });

  test('a starter begins from a template: the new letter’s form is filled with its skeleton, settings and guidance', async () => {
    const { id, form } = await createTemplate();
    const blank = await starter.agent.get('/organise/letters/new');
    expect(blank.status).toBe(200);
    expect(blank.text).toContain(`href="/organise/letters/new?template=${id}"`);

    const page = await starter.agent.get(`/organise/letters/new?template=${id}`);
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain('Name the prisoner and the court.');
    expect(html).toContain('Say what you ask in one sentence.');
    expect(html).toMatch(/name="goal"[^>]*value="5000"/);
    const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(html).toMatch(new RegExp(`name="closesAt"[^>]*value="${deadline}"`));
    expect(selected(html, 'publicNamesDefault')).toBe('initials');
    expect(selected(html, 'defaultLanguage')).toBe('en');
    expect(selected(html, 'tr0_language')).toBe('en');
    expect(html).toContain('value="Free [name] now"');
    expect(html).toContain('value="The Prosecutor General"');
    expect(html).toContain('[name] has been held since [date].');
    // A row for each of the template's other languages (in the site's order), empty.
    expect([selected(html, 'tr1_language'), selected(html, 'tr2_language'), selected(html, 'tr3_language')]).toEqual([
      'uk',
      'fr',
      null,
    ]);
    expect(html).toMatch(/name="tr1_title" type="text" maxlength="200" value=""/);

    // The starter's letter is made from what the form holds; it keeps no tie to the template.
    const slug = `from-template-${unique()}`;
    const res = await postForm(starter, `/organise/letters/new?template=${id}`, '/organise/letters', {
      slug,
      status: 'draft',
      goal: '5000',
      closesAt: deadline,
      defaultLanguage: 'en',
      publicNamesDefault: 'initials',
      tr0_language: 'en',
      tr0_title: 'Free Maria Ivanova now',
      tr0_summary: form.summary,
      tr0_body: 'Dear Prosecutor General,\n\nMaria Ivanova has been held since May.',
      tr0_recipient: form.recipient,
    });
    expect(res.status).toBe(303);
    const [letter] = await t.db.query<Array<{ goal: number; public_names_default: string }>>(
      `SELECT goal, public_names_default FROM letters WHERE slug = $1`,
      [slug],
    );
    expect(letter).toEqual({ goal: 5000, public_names_default: 'initials' });
  });

  test('the guided start at /start can begin from a template too', async () => {
    const { id } = await createTemplate();
    const blank = await starter.agent.get('/start/new');
    expect(blank.status).toBe(200);
    expect(blank.text).toContain(`href="/start/new?template=${id}"`);
    const page = await starter.agent.get(`/start/new?template=${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Name the prisoner and the court.');
    expect(page.text).toMatch(/name="recipient"[^>]*value="The Prosecutor General"/);
    expect(page.text).toMatch(/name="title"[^>]*value="Free \[name\] now"/);
    expect(page.text).toContain('[name] has been held since [date].');
    expect(page.text).toMatch(/name="goal"[^>]*value="5000"/);
    const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(page.text).toMatch(new RegExp(`name="closesAt"[^>]*value="${deadline}"`));
    expect((await starter.agent.get('/start/new?template=nothing')).status).toBe(404);
  });

  test('an unknown template is 404; an edited template fills new forms with its new words; a deleted one is gone', async () => {
    expect((await starter.agent.get('/organise/letters/new?template=not-a-template')).status).toBe(404);
    const { id, form } = await createTemplate();
    const edited = await postForm(admin, `/admin/templates/${id}`, `/admin/templates/${id}`, {
      ...form,
      title: 'Release [name] today',
      languages: [],
    } as unknown as Record<string, string>);
    expect(edited.status).toBe(303);
    const page = await starter.agent.get(`/organise/letters/new?template=${id}`);
    expect(page.text).toContain('value="Release [name] today"');
    expect(selected(page.text, 'tr1_language')).toBeNull();

    const deleted = await postForm(admin, '/admin/templates', `/admin/templates/${id}/delete`);
    expect(deleted.status).toBe(303);
    expect((await starter.agent.get(`/organise/letters/new?template=${id}`)).status).toBe(404);
    expect((await starter.agent.get('/organise/letters/new')).text).not.toContain(id);
    expect(await instanceTrail(id)).toEqual(['templates.created', 'templates.updated', 'templates.deleted']);
    const [deletedEntry] = await t.db.query<Array<{ name: string }>>(
      `SELECT detail->>'name' AS name FROM instance_audit WHERE detail->>'templateId' = $1 AND action = 'templates.deleted'`,
      [id],
    );
    expect(deletedEntry.name).toBe(form.name);
  });
});
