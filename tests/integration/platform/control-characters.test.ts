import request from 'supertest';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { aLetter, aSignature, signForm } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';

/**
 * A NUL byte (or any other C0 control character but tab and newline) in any text input is
 * refused beside its field with a 422, in the reader's language: never a 500 from PostgreSQL.
 */
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, owner.email);
});

const NUL = '\u0000';
const MESSAGE = 'invisible control character';

function refused(res: request.Response, field: string): void {
  expect(res.status).toBe(422);
  expect(res.text).toContain(`id="${field}-error"`);
  expect(res.text).toContain(MESSAGE);
}

async function ownLetter(overrides: Parameters<typeof aLetter>[1] = {}): Promise<{ letter: Letter; base: string }> {
  const letter = await aLetterOf(t.db, owner, 'owner', overrides);
  return { letter, base: `/organise/letters/${letter.slug}` };
}

describe('public forms', () => {
  test.each([
    ['fullName', `Олена${NUL} Ковальчук`],
    ['city', `Київ${NUL}`],
    ['email', `olena${NUL}@example.org`],
    ['organisation', `\u0007Bell Ltd`],
  ])('signing with a control character in %s is refused beside it and saves nothing', async (field, value) => {
    const letter = await aLetter(t.db);
    const c = browser(t.app);
    const csrf = await c.csrfFrom(`/letters/${letter.slug}`);
    const res = await c.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm({ [field]: value }), _csrf: csrf });
    refused(res, field);
    expect(await t.db.query('SELECT 1 FROM signatures WHERE letter_id = $1', [letter.id])).toEqual([]);
  });

  test('the sign form answers in the reader’s language', async () => {
    const letter = await aLetter(t.db);
    const c = browser(t.app);
    const csrf = await c.csrfFrom(`/letters/${letter.slug}?lang=uk`);
    const res = await c.agent
      .post(`/letters/${letter.slug}/sign?lang=uk`)
      .type('form')
      .send({ ...signForm({ fullName: `Олена${NUL}` }), _csrf: csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('невидимий керівний символ');
  });

  test('the manage-my-signature form, the organisers’ sign-in form and the verify form refuse one too', async () => {
    const letter = await aLetter(t.db);
    const c = browser(t.app);
    refused(
      await postForm(c, `/letters/${letter.slug}/manage`, `/letters/${letter.slug}/manage`, {
        email: `a${NUL}@example.org`,
      }),
      'email',
    );
    refused(await postForm(c, '/login', '/login', { email: `${owner.email}${NUL}` }), 'email');
    refused(await postForm(c, '/verify', '/verify', { exportId: `0000${NUL}`, sha256: 'ab' }), 'exportId');
  });
});

describe('organisers’ forms', () => {
  test('a new letter and an edit refuse a control character in a version’s text', async () => {
    const created = await postForm(b, '/organise/letters/new', '/organise/letters', {
      slug: `nul-letter-${Date.now()}`,
      status: 'draft',
      defaultLanguage: 'en',
      publicNamesDefault: 'private',
      tr0_language: 'en',
      tr0_title: `Title${NUL}`,
      tr0_recipient: 'The Minister',
      tr0_body: 'Body',
    });
    refused(created, 'tr0_title');
    const { base } = await ownLetter();
    const edited = await postForm(b, `${base}/edit`, `${base}/edit`, {
      status: 'open',
      defaultLanguage: 'en',
      publicNamesDefault: 'private',
      tr0_language: 'en',
      tr0_title: 'Title',
      tr0_recipient: 'The Minister',
      tr0_body: `Line one\r\nLine two${NUL}`,
    });
    refused(edited, 'tr0_body');
  });

  test('the team form refuses one', async () => {
    const { base } = await ownLetter();
    refused(
      await postForm(b, `${base}/edit`, `${base}/team`, { email: `x${NUL}@example.org`, role: 'editor' }),
      'team-email',
    );
  });

  test('the dashboard search, invalidation, domain invalidation and delivery forms refuse one', async () => {
    const { letter, base } = await ownLetter();
    const sig = await aSignature(t.db, letter);
    refused(await b.agent.get(`${base}?q=private1%40example.net%00`), 'q');
    refused(await b.agent.get(`${base}?q=%1b%5b31m`), 'q');
    refused(
      await postForm(b, base, `${base}/signatures/${sig.id}/invalidate`, { category: 'other', reason: `spam${NUL}` }),
      `reason-${sig.id}`,
    );
    refused(
      await postForm(b, base, `${base}/invalidate-domain`, {
        category: 'bulk-bot',
        domain: 'example.org',
        reason: `spam${NUL}`,
      }),
      'domain-reason',
    );
    refused(
      await postForm(b, base, `${base}/delivery`, { deliveredAt: '2025-01-02', deliveredTo: `The Minister${NUL}` }),
      'delivery-deliveredTo',
    );
    const [row] = await t.db.query<Array<{ status: string }>>('SELECT status FROM signatures WHERE id = $1', [sig.id]);
    expect(row.status).toBe('confirmed');
  });

  test('the allow-list, export, update and response forms refuse one', async () => {
    const { letter, base } = await ownLetter();
    refused(
      await postForm(b, `${base}/allow-list`, `${base}/allow-list`, { cidr: '192.0.2.0/24', note: `Newsroom${NUL}` }),
      'note',
    );
    refused(
      await postForm(b, `${base}/export`, `${base}/export`, {
        format: 'csv',
        columns: 'name',
        language: 'en',
        from: `2025-01-01${NUL}`,
      }),
      'from',
    );
    refused(
      await postForm(b, `${base}/updates`, `${base}/updates`, {
        subject_en: `News${NUL}`,
        body_en: 'Text',
        step: 'send',
      }),
      'subject_en',
    );
    await t.db.query(`UPDATE letters SET delivered_at = now() WHERE id = $1`, [letter.id]);
    refused(
      await postForm(b, `${base}/response`, `${base}/response`, {
        respondedOn: '2025-01-02',
        body: `They answered${NUL}`,
      }),
      'body',
    );
  });

  test('tabs and newlines are ordinary text, not refused', async () => {
    const { base } = await ownLetter();
    const res = await postForm(b, `${base}/updates`, `${base}/updates`, {
      subject_en: 'News',
      body_en: 'Line one\r\n\tindented\nLine three',
      step: 'send',
    });
    expect(res.status).toBe(303);
  });
});

describe('the paper import', () => {
  async function upload(slug: string, csv: string, as: 'file' | 'text') {
    const page = `/organise/letters/${slug}/paper`;
    const req = b.agent.post(await b.uploadAction(page));
    return as === 'file'
      ? req.attach('file', Buffer.from(csv, 'utf8'), { filename: 'sheet.csv', contentType: 'text/csv' })
      : req.field('text', csv);
  }

  test.each(['file', 'text'] as const)(
    'a sheet with a NUL byte (%s) is refused with the line, and nothing of it is saved',
    async (as) => {
      const { letter } = await ownLetter();
      const sheet = `name,country,city,date\nОлена Ковальчук,UA,Київ,2025-11-02\nJean Dupont,FR,Ly${NUL}on,2025-11-03\n`;
      const res = await upload(letter.slug, sheet, as);
      expect(res.status).toBe(422);
      expect(res.text).toContain(MESSAGE);
      expect(res.text).toContain('Line 3');
      expect(await t.db.query('SELECT 1 FROM paper_imports WHERE letter_id = $1', [letter.id])).toEqual([]);
    },
  );
});
