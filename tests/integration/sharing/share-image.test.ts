import { addCount, aLetter, BIRTHDAY, seededLetter, signForm } from '../../support/factories';
import { linkFrom } from '../../support/smtp-sink';
import { confirmByLink } from '../../support/journey';
import { browser, useTestApp } from '../../support/test-app';
import request from 'supertest';
import { pngSize } from '../../support/files';

const t = useTestApp();

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

async function getPng(path: string, headers: Record<string, string> = {}) {
  return request(t.app).get(path).set(headers).buffer(true).parse(binary);
}

describe('the share image', () => {
  test('is a 1200×630 PNG, cacheable for five minutes, with a validator and no cookie', async () => {
    await seededLetter(t.db);
    const res = await getPng(`/letters/${BIRTHDAY}/share.png?lang=uk`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.body as Buffer)).toEqual({ width: 1200, height: 630 });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers['set-cookie']).toBeUndefined();

    const again = await getPng(`/letters/${BIRTHDAY}/share.png?lang=uk`, { 'If-None-Match': res.headers.etag });
    expect(again.status).toBe(304);
  });

  test('changes when a confirmation raises the count', async () => {
    const letter = await aLetter(t.db, { title: 'Release the journalists' });
    const before = await getPng(`/letters/${letter.slug}/share.png?lang=en`);
    expect(before.status).toBe(200);

    const form = signForm();
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=en`);
    await b.agent
      .post(`/letters/${letter.slug}/sign?lang=en`)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    const confirm = new URL(linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/')).pathname;
    expect((await confirmByLink(t.app, confirm)).status).toBe(200);

    const after = await getPng(`/letters/${letter.slug}/share.png?lang=en`, { 'If-None-Match': before.headers.etag });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(Buffer.compare(after.body as Buffer, before.body as Buffer)).not.toBe(0);
    expect(pngSize(after.body as Buffer)).toEqual({ width: 1200, height: 630 });

    // The page points crawlers at a new address too, so cached cards refresh.
    const page = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(page.text).toContain(`/letters/${letter.slug}/share.png?lang=en&amp;v=1`);
  });

  test('the same count serves the same cached bytes', async () => {
    const letter = await aLetter(t.db);
    await addCount(t.db, letter.id, 'UA', 7);
    const a = await getPng(`/letters/${letter.slug}/share.png`);
    const b = await getPng(`/letters/${letter.slug}/share.png`);
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).toBe(0);
  });

  test('an unknown or draft letter has no image', async () => {
    await request(t.app).get('/letters/no-such-letter/share.png').expect(404);
    const draft = await aLetter(t.db, { status: 'draft' });
    await request(t.app).get(`/letters/${draft.slug}/share.png`).expect(404);
  });
});

describe('QR codes for flyers', () => {
  test('the SVG encodes the letter and is cacheable for a day', async () => {
    await seededLetter(t.db);
    const res = await request(t.app).get(`/letters/${BIRTHDAY}/qr.svg?lang=ru`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    const svg = (res.body as Buffer).toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('<path');
  });

  test('the PNG is a square image of an offered size, the nearest one for any other', async () => {
    await seededLetter(t.db);
    const res = await getPng(`/letters/${BIRTHDAY}/qr.png?size=256`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(pngSize(res.body as Buffer)).toEqual({ width: 256, height: 256 });
    // Links made when any width was rendered keep working, at about the size they asked for
    // (the large end is covered by the unit tests: slow to encode here).
    const small = await getPng(`/letters/${BIRTHDAY}/qr.png?size=200`);
    expect(pngSize(small.body as Buffer).width).toBe(256);
    const tiny = await getPng(`/letters/${BIRTHDAY}/qr.png?size=3`);
    expect(pngSize(tiny.body as Buffer).width).toBe(256);
  });

  test('each size is rendered once per letter and language: an unknown parameter or an unsupported size serves the cached image', async () => {
    await seededLetter(t.db);
    // The median CPU of three requests in this process (the client runs here too): one request
    // alone is at the mercy of a garbage collection.
    const cpuOf = async (paths: string[]) => {
      const runs: Array<{ res: request.Response; ms: number }> = [];
      for (const path of paths) {
        const before = process.cpuUsage();
        const res = await getPng(path);
        const used = process.cpuUsage(before);
        runs.push({ res, ms: (used.user + used.system) / 1000 });
      }
      return { runs, ms: runs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)] };
    };
    // The cost of a request that renders nothing.
    const baseline = (await cpuOf([0, 1, 2, 3, 4].map((i) => `/letters/${BIRTHDAY}.json?x=${i}`))).ms;
    const page = `/letters/${BIRTHDAY}/qr.png?lang=uk`;
    const first = (await cpuOf([`${page}&size=256&x=1`])).runs[0];
    expect(first.res.status).toBe(200);
    expect(pngSize(first.res.body as Buffer)).toEqual({ width: 256, height: 256 });
    const same = (body: Buffer) => Buffer.compare(body, first.res.body as Buffer) === 0;
    // What a request served from the cache may cost: about what any small answer costs, and far
    // below a render (a quarter of the first one), with room for a machine busy with other tests.
    const cached = Math.max(baseline * 2 + 10, first.ms / 4);
    // Other parameters: the same bytes, for what any small answer costs (a render costs tens of
    // milliseconds, more under jest).
    const again = await cpuOf([2, 3, 4].map((i) => `${page}&size=256&x=${i}`));
    expect(
      again.runs.every(
        (r) => r.res.status === 200 && same(r.res.body as Buffer) && r.res.headers.etag === first.res.headers.etag,
      ),
    ).toBe(true);
    expect(again.ms).toBeLessThan(cached);
    // A size that is not offered answers the nearest size that is, from the cache.
    const odd = await cpuOf([`${page}&size=200&y=3`, `${page}&size=3`, `${page}&size=300`]);
    expect(odd.runs.every((r) => same(r.res.body as Buffer))).toBe(true);
    expect(odd.ms).toBeLessThan(cached);
    // A validator lets a browser skip the bytes too.
    const revalidated = await getPng(`${page}&size=256`, { 'If-None-Match': first.res.headers.etag });
    expect(revalidated.status).toBe(304);
    process.stdout.write(
      `qr.png 256 (a JSON request: ${baseline.toFixed(1)} ms): first ${first.ms.toFixed(1)} ms CPU, again ${again.ms.toFixed(1)} ms, other sizes ${odd.ms.toFixed(1)} ms\n`,
    );
  });
});
