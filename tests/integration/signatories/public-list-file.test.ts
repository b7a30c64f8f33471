import crypto from 'node:crypto';
import request from 'supertest';
import { aLetter, aSignature } from '../../support/factories';
import { browser, startTestApp, type TestApp } from '../../support/test-app';
import { tFor } from '../../../src/platform/web/i18n';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** The body as its bytes, as an official would save it. */
const bytes = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

/** Asks for the file until the worker has made it. */
async function download(slug: string): Promise<request.Response> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await request(t.app).get(`/letters/${slug}/signatories.csv`).buffer(true).parse(bytes);
    if (res.status === 200) return res;
    expect(res.status).toBe(202);
    if (Date.now() > deadline) throw new Error('the public list file was never made');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the public CSV holds exactly what the page shows, and /verify recognises it', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, {
    fullName: 'Анна Публична',
    visibility: 'public',
    city: 'Одеса',
    organisation: 'Спілка',
  });
  await aSignature(t.db, letter, {
    fullName: 'Айгерім Қасымқызы',
    visibility: 'initials',
    city: 'Алматы',
    organisation: 'Жасырын',
  });
  await aSignature(t.db, letter, { fullName: 'Пётр Приватный', visibility: 'private', city: 'Тверь' });
  await aSignature(t.db, letter, { fullName: 'Hidden By Owners', hidden: true });
  await aSignature(t.db, letter, { fullName: 'Held For Review', heldReason: 'burst-ip' });

  const first = await request(t.app).get(`/letters/${letter.slug}/signatories.csv`);
  expect(first.status).toBe(202);
  expect(first.text).toContain(tFor('en')('signatories.filePending.title'));

  const res = await download(letter.slug);
  expect(res.headers['content-type']).toContain('text/csv');
  const csv = (res.body as Buffer).toString('utf8');
  expect(csv).toContain('Анна Публична');
  expect(csv).toContain('Одеса');
  expect(csv).toContain('Спілка');
  expect(csv).toContain('А. Қ.');
  for (const absent of ['Айгерім', 'Алматы', 'Жасырын', 'Пётр', 'Тверь', 'Hidden By Owners', 'Held For Review', '@'])
    expect(csv).not.toContain(absent);

  // The official's check: the file's digest is one the platform produced.
  const sha256 = crypto
    .createHash('sha256')
    .update(res.body as Buffer)
    .digest('hex');
  const exportId = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(
    String(res.headers['content-disposition']),
  )?.[0];
  expect(exportId).toBeDefined();
  const b = browser(t.app);
  const csrf = await b.csrfFrom('/verify');
  const verified = await b.agent.post('/verify').type('form').send({ exportId, sha256, _csrf: csrf }).expect(200);
  expect(verified.text).toContain(tFor('en')('exports.verify.match.heading'));

  // Served again as it is, without another file being made.
  const again = await request(t.app).get(`/letters/${letter.slug}/signatories.csv`).buffer(true).expect(200);
  expect(again.headers.etag).toBe(`"${sha256}"`);
  const [{ n }] = await t.db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM export_audit WHERE letter_id = $1 AND purpose = 'publication'`,
    [letter.id],
  );
  expect(n).toBe(1);
});

test('a file past its time is neither served nor kept', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { fullName: 'Someone Public' });
  await download(letter.slug);
  await t.db.query(`UPDATE public_list_files SET made_at = now() - interval '1 hour' WHERE letter_id = $1`, [
    letter.id,
  ]);
  await request(t.app).get(`/letters/${letter.slug}/signatories.csv`).expect(202);
});
