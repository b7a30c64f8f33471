import { listAudit } from '../../../src/core/audit/audit.service';
import { LetterTextVersion } from '../../../src/core/letters/letter-text-version.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { Signature } from '../../../src/features/signatures/signature.entity';
import {
  TASK_TEXT_CHANGE_EMAIL,
  TASK_TEXT_CHANGE_FANOUT,
  TASK_TEXT_DIFFS,
} from '../../../src/features/versions/versions.queue';
import { aSignature, anEmail, signForm } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import { drained } from '../../support/jobs';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

const BODY_V1 = 'We ask for **justice**.';

/** The edit form as the browser sends it, with this English title and body. */
function editForm(
  letter: Letter,
  title: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    slug: letter.slug,
    status: 'open',
    goal: '100',
    closesAt: '',
    defaultLanguage: 'en',
    publicNamesDefault: 'private',
    tr0_language: 'en',
    tr0_title: title,
    tr0_summary: 'A letter made by a test.',
    tr0_body: body,
    tr0_recipient: 'The Minister',
    action: 'save',
    ...extra,
  };
}

async function edit(letter: Letter, title: string, body: string) {
  const page = `/organise/letters/${letter.slug}/edit`;
  const res = await postForm(b, page, page, editForm(letter, title, body));
  expect(res.status).toBe(303);
}

async function translation(letter: Letter): Promise<LetterTranslation> {
  return t.db.getRepository(LetterTranslation).findOneByOrFail({ letterId: letter.id, language: 'en' });
}

async function changeOf(letter: Letter, version: number): Promise<LetterTextVersion> {
  const change = await t.db
    .getRepository(LetterTextVersion)
    .findOneByOrFail({ letterId: letter.id, language: 'en', version });
  await drained(t.db, TASK_TEXT_CHANGE_FANOUT, change.id);
  await drained(t.db, TASK_TEXT_CHANGE_EMAIL, change.id);
  return t.db.getRepository(LetterTextVersion).findOneByOrFail({ id: change.id });
}

describe('text versions', () => {
  test('a text change with signatures creates a version and mails only the opted-in signers of the changed text', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Free the reporters' });
    const under = { textLanguage: 'en' as const, textVersion: 1 };
    const optedIn = await aSignature(t.db, letter, { ...under, wantsUpdates: true, visibility: 'private' });
    const optedOut = await aSignature(t.db, letter, { ...under, wantsUpdates: false });
    const pending = await aSignature(t.db, letter, { ...under, wantsUpdates: true, status: 'pending' });
    const held = await aSignature(t.db, letter, { ...under, wantsUpdates: true, heldReason: 'burst' });
    const ukSigner = await aSignature(t.db, letter, { textLanguage: 'uk', textVersion: 1, wantsUpdates: true });

    // Before publishing, the editor says what a change means.
    const form = await b.agent.get(`/organise/letters/${letter.slug}/edit`).expect(200);
    expect(form.text).toContain('2 people signed the current text; they will be told.');

    await edit(letter, 'Free the reporters now', 'We demand **justice** today.');

    const current = await translation(letter);
    expect(current.textVersion).toBe(2);
    expect(current.body).toBe('We demand **justice** today.');
    const change = await changeOf(letter, 1);
    expect(change).toMatchObject({ title: 'Free the reporters', body: BODY_V1, recipients: 1 });
    expect(change.notifiedAt).not.toBeNull();

    const [mail] = await t.smtp.waitFor(optedIn.email!);
    expect(mail.subject).toBe('The text you signed was changed: Free the reporters now');
    expect(mail.text).toContain('You signed version 1; the letter now reads as version 2.');
    const diffUrl = `http://undersigned.test/letters/${letter.slug}/diff?lang=en&from=1&to=2`;
    expect(mail.text).toContain(diffUrl);
    expect(mail.html).toContain(diffUrl.replaceAll('&', '&amp;'));
    const withdraw = mail.text.match(/http:\/\/undersigned\.test(\/s\/withdraw\/[A-Za-z0-9_-]{43})/);
    expect(withdraw).not.toBeNull();
    // The withdraw link opens the page that asks first: opening it changes nothing.
    const withdrawPage = await browser(t.app).agent.get(withdraw![1]).expect(200);
    expect(withdrawPage.text).toContain('<form method="post"');
    expect(await t.db.getRepository(Signature).countBy({ id: optedIn.id })).toBe(1);

    for (const s of [optedOut, pending, held, ukSigner]) expect(t.smtp.to(s.email!)).toHaveLength(0);
    // Their signatures stay, under the words they signed.
    const kept = await t.db.getRepository(Signature).findBy({ letterId: letter.id });
    expect(kept).toHaveLength(5);
    for (const s of kept) expect(s.textVersion).toBe(1);

    // The diff the email links to: word level, <del> and <ins>, with words for what colour says
    // (computed by the worker's job when the version was saved).
    await drained(t.db, TASK_TEXT_DIFFS);
    const diff = await request().get(`/letters/${letter.slug}/diff?lang=en&from=1&to=2`).expect(200);
    expect(diff.text).toMatch(
      /<del><span class="visually-hidden">\[removed: <\/span>ask for<span class="visually-hidden">\]<\/span><\/del>/,
    );
    expect(diff.text).toMatch(
      /<ins><span class="visually-hidden">\[added: <\/span>demand<span class="visually-hidden">\]<\/span><\/ins>/,
    );
    expect(diff.text).toContain('How to read the changes');
    expect(diff.text).not.toContain('<script');

    // The old words stay readable with their date; the page says which is current.
    const v1 = await request().get(`/letters/${letter.slug}/versions/1?lang=en`).expect(200);
    expect(v1.text).toContain('<strong>justice</strong>');
    expect(v1.text).toContain('We ask for');
    expect(v1.text).toContain('Version 1 of this text, published on');
    expect(v1.text).toContain('Replaced on');
    await request()
      .get(`/letters/${letter.slug}/versions/2?lang=en`)
      .expect(200, /This is the current text/);
    await request().get(`/letters/${letter.slug}/versions/3?lang=en`).expect(404);
    await request()
      .get(`/letters/${letter.slug}/versions/abc?lang=en`)
      .expect(400, /A version is a whole number/);

    // The letter page tells everyone else, and links the diff.
    const page = await request().get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(page.text).toMatch(/This text was changed on [^;]+; 2 people signed an earlier version\./);
    expect(page.text).toContain(`/letters/${letter.slug}/diff?lang=en&amp;from=1&amp;to=2`);
    const json = await request().get(`/letters/${letter.slug}.json?lang=en`).expect(200);
    expect(json.body).toMatchObject({ textVersion: 2 });
    expect(typeof json.body.textChangedAt).toBe('string');

    // The audit trail names the languages and the new version numbers.
    const [edited] = await listAudit(t.db, letter.id, { kind: 'organisers.letter-edited' });
    expect(edited).toMatchObject({
      actorId: owner.id,
      detail: { languages: 'en', versions: 'en 2', textChanged: ['en'] },
    });

    // A second change to a text nobody signed yet (version 2) is made in place: no version 3.
    await edit(letter, 'Free the reporters now', 'We demand **justice** today, and tomorrow.');
    expect((await translation(letter)).textVersion).toBe(2);
    expect(await t.db.getRepository(LetterTextVersion).countBy({ letterId: letter.id })).toBe(1);
    // Only the summary changing is not a change of the words signed.
  });

  test('saving without touching the title or body makes no version, even with signatures', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const tr = await translation(letter);
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
    const page = `/organise/letters/${letter.slug}/edit`;
    const res = await postForm(b, page, page, {
      ...editForm(letter, tr.title, tr.body),
      tr0_summary: 'A new summary.',
    });
    expect(res.status).toBe(303);
    expect((await translation(letter)).textVersion).toBe(1);
    expect(await t.db.getRepository(LetterTextVersion).countBy({ letterId: letter.id })).toBe(0);
    const notice = await request().get(`/letters/${letter.slug}`).expect(200);
    expect(notice.text).not.toContain('This text was changed');
  });

  test('a signature records the text shown on its page: a stale real version as is, a bogus one as the current one', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const tr = await translation(letter);
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
    await edit(letter, tr.title, 'A changed text.');
    // The page carries its text's language and number in the form.
    const page = await request().get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(page.text).toContain('<input type="hidden" name="textLanguage" value="en">');
    expect(page.text).toContain('<input type="hidden" name="textVersion" value="2">');

    const cases: Array<[Record<string, string>, { textLanguage: string; textVersion: number }]> = [
      [
        { textLanguage: 'en', textVersion: '2' },
        { textLanguage: 'en', textVersion: 2 },
      ],
      [
        { textLanguage: 'en', textVersion: '1' },
        { textLanguage: 'en', textVersion: 1 },
      ],
      [
        { textLanguage: 'en', textVersion: '7' },
        { textLanguage: 'en', textVersion: 2 },
      ],
      [
        { textLanguage: 'xx', textVersion: '1' },
        { textLanguage: 'en', textVersion: 2 },
      ],
      [
        { textLanguage: 'en', textVersion: 'one' },
        { textLanguage: 'en', textVersion: 2 },
      ],
      [{}, { textLanguage: 'en', textVersion: 2 }],
    ];
    for (const [fields, expected] of cases) {
      const signer = browser(t.app);
      const csrf = await signer.csrfFrom(`/letters/${letter.slug}`);
      const email = anEmail('versions');
      await signer.agent
        .post(`/letters/${letter.slug}/sign?lang=en`)
        .type('form')
        .send({ ...signForm({ email }), ...fields, _csrf: csrf })
        .expect(303);
      const sig = await t.db.getRepository(Signature).findOneByOrFail({ letterId: letter.id, email });
      expect({ fields, recorded: { textLanguage: sig.textLanguage, textVersion: sig.textVersion } }).toEqual({
        fields,
        recorded: expected,
      });
    }
  });

  test('the diff page refuses versions in the wrong order and ones that do not exist', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
    await edit(letter, 'New title', BODY_V1);
    await drained(t.db, TASK_TEXT_DIFFS);
    await request()
      .get(`/letters/${letter.slug}/diff?lang=en`)
      .expect(200, /What changed between version 1 and version 2/);
    await request()
      .get(`/letters/${letter.slug}/diff?lang=en&from=2&to=1`)
      .expect(400, /must be older/);
    await request().get(`/letters/${letter.slug}/diff?lang=en&from=1&to=5`).expect(404);
    // Ukrainian interface text, like every page.
    await request()
      .get(`/letters/${letter.slug}/diff?lang=uk`)
      .expect(200, /Як читати зміни/);
  });
});

describe('the audit trail of letter editing', () => {
  test('creation, an edit with its languages and version numbers, a status and a closing date change are recorded with who did them', async () => {
    const slug = `audited-${Date.now().toString(36)}`;
    const created = await postForm(b, '/organise/letters/new', '/organise/letters', {
      ...editForm({ slug } as Letter, 'Audited', 'Words.'),
      status: 'draft',
      tr1_language: 'uk',
      tr1_title: 'Аудит',
      tr1_summary: '',
      tr1_body: 'Слова.',
      tr1_recipient: 'Міністр',
    });
    expect(created.status).toBe(303);
    const letter = (
      await t.db
        .getRepository(LetterTranslation)
        .findOneOrFail({ where: { title: 'Аудит' }, relations: { letter: true } })
    ).letter;
    const page = `/organise/letters/${slug}/edit`;
    const edited = await postForm(b, page, page, {
      ...editForm(letter, 'Audited', 'Words.'),
      closesAt: '2031-05-01',
      tr1_language: 'uk',
      tr1_title: 'Аудит',
      tr1_summary: '',
      tr1_body: 'Слова.',
      tr1_recipient: 'Міністр',
    });
    expect(edited.status).toBe(303);
    const trail = await listAudit(t.db, letter.id);
    const actor = { actorId: owner.id, actorName: 'Olena Owner' };
    expect(trail.map((e) => e.kind).sort()).toEqual(
      [
        'organisers.letter-closing-changed',
        'organisers.letter-created',
        'organisers.letter-edited',
        'organisers.letter-status-changed',
      ].sort(),
    );
    const byKind = Object.fromEntries(trail.map((e) => [e.kind, e]));
    expect(byKind['organisers.letter-created']).toMatchObject({
      ...actor,
      detail: { languages: 'en, uk', versions: 'en 1, uk 1' },
    });
    expect(byKind['organisers.letter-edited']).toMatchObject({
      ...actor,
      detail: { versions: 'en 1, uk 1', textChanged: [] },
    });
    expect(byKind['organisers.letter-status-changed']).toMatchObject({
      ...actor,
      detail: { from: 'draft', to: 'open' },
    });
    expect(byKind['organisers.letter-closing-changed']).toMatchObject({
      ...actor,
      detail: { from: '—', to: '2031-05-01' },
    });
    // No signer's data, and nothing but ids, numbers and dates.
    expect(JSON.stringify(trail.map((e) => e.detail))).not.toMatch(/@/);
  });
});

describe('paper signatures and text versions', () => {
  test('an import records the version the organiser says was printed on the sheets; an unknown one is refused', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
    await edit(letter, 'A title', 'Changed words.');
    const upload = async (name: string) => {
      const req = b.agent.post(await b.uploadAction(`/organise/letters/${letter.slug}/paper`));
      const res = await req.attach(
        'file',
        Buffer.from(`name,country,city,date\n${name},UA,Київ,2025-11-02\n`, 'utf8'),
        { filename: 's.csv', contentType: 'text/csv' },
      );
      expect(res.status).toBe(303);
      return res.headers.location;
    };
    const preview = await upload('Марія Паперова');
    const page = await b.agent.get(preview).expect(200);
    // Every version is offered, the current one chosen.
    expect(page.text).toContain('<option value="en:2" selected>English, version 2');
    expect(page.text).toContain('<option value="en:1">English, version 1');
    const send = async (from: string, text: string) =>
      b.agent
        .post(`${from}/import`)
        .type('form')
        .send({ _csrf: await b.csrfFrom(from), text });
    expect((await send(preview, 'en:9')).status).toBe(422);
    expect((await send(preview, 'en:1')).status).toBe(303);
    const sig = await t.db
      .getRepository(Signature)
      .findOneByOrFail({ letterId: letter.id, fullName: 'Марія Паперова' });
    expect({ textLanguage: sig.textLanguage, textVersion: sig.textVersion }).toEqual({
      textLanguage: 'en',
      textVersion: 1,
    });
  });
});

function request() {
  return browser(t.app).agent;
}
