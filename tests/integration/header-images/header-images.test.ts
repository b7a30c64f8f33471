import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import supertest from 'supertest';
import { grantRole } from '../../../src/core/access/organisers.service';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { HEADER_IMAGE_MAX_WIDTH } from '../../../src/features/header-images';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const MB = 1024 * 1024;
let server: http.Server;
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Iryna Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const PLACE = 'Taken at the safe house on Lesi Ukrainky street';
const DEVICE = 'PhoneMaker X200';
const XMP_MARK = 'xmp-creator-home-address';
const COMMENT = 'Comment: shot from the flat of the organiser';
const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${XMP_MARK}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`;

/** A 2400×1200 red photo as a phone saves it: EXIF with a GPS position, an ICC profile, XMP and a comment. */
async function aPhotoWithLocation(colour = '#c0392b'): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 2400, height: 1200, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { ImageDescription: PLACE, Make: DEVICE },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '50/1 26/1 3012/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '30/1 31/1 2400/100',
      },
    })
    .withIccProfile('p3')
    .withXmp(XMP)
    .toBuffer();
  const text = Buffer.from(COMMENT, 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(text.length + 2);
  // A COM segment right after the start-of-image marker, as some editors write one.
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), length, text, jpeg.subarray(2)]);
}

/** The tags of the GPS directory of an EXIF block (TIFF inside), or [] when it has none. */
function gpsTags(exif: Buffer | undefined): number[] {
  if (!exif) return [];
  const tiff = exif.subarray(exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0);
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd0 = u32(4);
  for (let i = 0; i < u16(ifd0); i++) {
    const entry = ifd0 + 2 + i * 12;
    if (u16(entry) !== 0x8825) continue;
    const gps = u32(entry + 8);
    return Array.from({ length: u16(gps) }, (_, j) => u16(gps + 2 + j * 12));
  }
  return [];
}

/** The markers of a JPEG's segments before its image data (APP1 = EXIF/XMP, APP2 = ICC, COM = comment). */
function jpegSegments(jpeg: Buffer): number[] {
  const markers: number[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1];
    markers.push(marker);
    if (marker === 0xda) break;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return markers;
}

async function upload(
  slug: string,
  file: { data: Buffer; name: string; type: string } | null,
  alt: Record<string, string>,
  lang?: string,
) {
  const action = await b.uploadAction(`/organise/letters/${slug}/header-image`);
  let req = b.agent.post(lang ? `${action}&lang=${lang}` : action);
  for (const [k, v] of Object.entries(alt)) req = req.field(k, v);
  if (file) req = req.attach('image', file.data, { filename: file.name, contentType: file.type });
  return req;
}

async function saved(res: ReturnType<typeof upload>) {
  const answer = await res;
  expect([answer.status, answer.headers.location]).toEqual([303, expect.stringContaining('/header-image?saved=')]);
}

async function imageOnPage(slug: string, query = '') {
  // As a reader sees it (a browser of its own: a ?lang= would stay in the organiser's cookie).
  const page = await supertest(t.app).get(`/letters/${slug}${query}`);
  const m = /<img class="header-image" src="([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)">/.exec(page.text);
  return m ? { src: m[1], alt: m[2], width: Number(m[3]), height: Number(m[4]) } : null;
}

function request(path: string, headers: Record<string, string> = {}) {
  return b.agent.get(path).set(headers);
}

async function trail(letterId: string): Promise<string[]> {
  const rows = await t.db.query<Array<{ kind: string }>>(
    `SELECT kind FROM audit_events WHERE letter_id = $1 AND kind LIKE 'headerImages.%' ORDER BY id`,
    [letterId],
  );
  return rows.map((r) => r.kind);
}

describe('a letter’s header image', () => {
  test('an uploaded photo comes back re-encoded, without its EXIF GPS position or any other metadata', async () => {
    const letter = await aLetterOf(t.db, owner);
    const photo = await aPhotoWithLocation();
    // The test's photo does carry what a phone would leak.
    const before = await sharp(photo).metadata();
    expect(gpsTags(before.exif)).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    expect(before.icc).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect(photo.includes(Buffer.from(COMMENT, 'latin1'))).toBe(true);

    const res = await upload(
      letter.slug,
      { data: photo, name: 'IMG_0042.jpg', type: 'image/jpeg' },
      { alt_en: 'Protesters holding a banner' },
    );
    expect(res.status).toBe(303);

    const shown = await imageOnPage(letter.slug);
    expect(shown).toMatchObject({ alt: 'Protesters holding a banner', width: HEADER_IMAGE_MAX_WIDTH, height: 800 });
    // As a reader gets it: no session, so no cookie.
    const served = await supertest(t.app).get(shown!.src).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/jpeg');
    expect(served.headers['set-cookie']).toBeUndefined();
    expect(served.headers['cache-control']).toContain('immutable');
    const bytes = served.body as Buffer;
    const digest = crypto.createHash('sha256').update(bytes).digest('hex');
    expect(shown!.src).toBe(`/letters/${letter.slug}/header-image/${digest}.jpg`);
    expect(served.headers.etag).toBe(`"${digest}"`);

    const after = await sharp(bytes).metadata();
    expect([after.format, after.width, after.height]).toEqual(['jpeg', HEADER_IMAGE_MAX_WIDTH, 800]);
    expect(after.exif).toBeUndefined();
    expect(gpsTags(after.exif)).toEqual([]);
    expect(after.icc).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    // No EXIF/XMP (APP1), ICC (APP2) or comment (COM) segment at all, and none of their words.
    expect(jpegSegments(bytes).filter((m) => m === 0xe1 || m === 0xe2 || m === 0xfe)).toEqual([]);
    for (const leak of ['Exif', PLACE, DEVICE, XMP_MARK, COMMENT, 'GPS'])
      expect(bytes.includes(Buffer.from(leak, 'latin1'))).toBe(false);
    // The pixels are the photo's.
    const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(150);
    expect(data[1]).toBeLessThan(110);

    const again = await request(shown!.src, { 'If-None-Match': `"${digest}"` });
    expect(again.status).toBe(304);
    expect(await trail(letter.id)).toEqual(['headerImages.uploaded']);
  });

  test('the share card draws the image across its top', async () => {
    const withImage = await aLetterOf(t.db, owner);
    const without = await aLetterOf(t.db, owner);
    await saved(
      upload(
        withImage.slug,
        { data: await aPhotoWithLocation('#c0392b'), name: 'a.jpg', type: 'image/jpeg' },
        { alt_en: 'A red square' },
      ),
    );
    const pixel = async (slug: string) => {
      const png = (await request(`/letters/${slug}/share.png`).buffer(true).expect(200)).body as Buffer;
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([1200, 630]);
      const at = (100 * info.width + 600) * 3;
      return [data[at], data[at + 1], data[at + 2]];
    };
    const [r, g] = await pixel(withImage.slug);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(110);
    const plain = await pixel(without.slug);
    expect(Math.min(...plain)).toBeGreaterThan(200);
  });

  test('alt text is required, in the organiser’s language, and nothing is stored without it', async () => {
    const letter = await aLetterOf(t.db, owner);
    const photo = { data: await aPhotoWithLocation(), name: 'p.jpg', type: 'image/jpeg' };
    const en = await upload(letter.slug, photo, { alt_en: '   ' });
    expect(en.status).toBe(422);
    expect(en.text).toContain('Describe the image: a description is required.');
    const fr = await upload(letter.slug, photo, { alt_en: '' }, 'fr');
    expect(fr.status).toBe(422);
    expect(fr.text).toContain('Décrivez l&#39;image : une description est obligatoire.');
    await request('/?lang=en').expect(200);
    const [{ n }] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM letter_header_images WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(n)).toBe(0);
    expect(await imageOnPage(letter.slug)).toBeNull();
  });

  test('only JPEG, PNG and WebP are taken, told by their content and not by their name', async () => {
    const letter = await aLetterOf(t.db, owner);
    const red = sharp({ create: { width: 40, height: 20, channels: 3, background: '#c0392b' } });
    const gif = await red.clone().gif().toBuffer();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    for (const [data, name, type] of [
      [gif, 'photo.jpg', 'image/jpeg'],
      [svg, 'logo.png', 'image/png'],
      [Buffer.from('%PDF-1.7\n%%EOF\n'), 'scan.webp', 'image/webp'],
    ] as const) {
      const res = await upload(letter.slug, { data, name, type }, { alt_en: 'A banner' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('This file is not a JPEG, PNG or WebP image.');
    }
    expect(await imageOnPage(letter.slug)).toBeNull();
    // A PNG under a misleading name and type is still a PNG; a WebP too.
    const png = await red.clone().png().toBuffer();
    await saved(upload(letter.slug, { data: png, name: 'notes.txt', type: 'text/plain' }, { alt_en: 'A banner' }));
    expect(await imageOnPage(letter.slug)).toMatchObject({ width: 40, height: 20 });
    const webp = await red.clone().webp().toBuffer();
    await saved(
      upload(letter.slug, { data: webp, name: 'x', type: 'application/octet-stream' }, { alt_en: 'A banner' }),
    );
    // A damaged JPEG is refused, not half-drawn.
    const jpeg = await red.clone().jpeg().toBuffer();
    const damaged = await upload(
      letter.slug,
      { data: jpeg.subarray(0, Math.floor(jpeg.length / 2)), name: 'cut.jpg', type: 'image/jpeg' },
      { alt_en: 'A banner' },
    );
    expect(damaged.status).toBe(422);
  });

  test('a body declared larger than the limit is refused with 413 before it is read', async () => {
    const letter = await aLetterOf(t.db, owner);
    const page = await b.agent.get(`/organise/letters/${letter.slug}/header-image`).expect(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/
      .exec(page.text)![1]
      .replace(/&amp;/g, '&');
    const cookie = b.agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const answer = await earlyAnswer(action, { declaredBytes: 6 * MB, sendBytes: 64 * 1024, cookie });
    expect(answer?.status).toBe(413);
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.body).toContain('The image is larger than 5 MB.');
  });

  test('an editor may not upload: refused before the body is read', async () => {
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    await aLetterOf(t.db, editor);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const eb = await signInAs(t.app, t.smtp, editor.email);
    const csrf = await eb.csrfFrom(`/organise/letters/${letter.slug}`);
    const cookie = eb.agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const answer = await earlyAnswer(
      `/organise/letters/${letter.slug}/header-image?_csrf=${encodeURIComponent(csrf)}`,
      {
        declaredBytes: 4 * MB,
        sendBytes: 64 * 1024,
        cookie,
      },
    );
    expect(answer?.status).toBe(403);
  });

  test('a replaced image leaves no file behind; a removed one is gone from the page, the card and storage', async () => {
    const letter = await aLetterOf(t.db, owner);
    await t.db.getRepository(LetterTranslation).save({
      letterId: letter.id,
      language: 'fr',
      title: 'Une lettre',
      summary: 'Résumé.',
      body: 'Nous demandons **justice**.',
      recipient: 'La ministre',
    });
    await saved(
      upload(
        letter.slug,
        { data: await aPhotoWithLocation('#2255aa'), name: 'a.jpg', type: 'image/jpeg' },
        { alt_en: 'A blue banner', alt_fr: 'Une banderole bleue' },
      ),
    );
    const first = (await imageOnPage(letter.slug))!;
    expect((await imageOnPage(letter.slug, '?lang=fr'))!.alt).toBe('Une banderole bleue');
    const oidOf = async () =>
      (
        await t.db.query<Array<{ oid: string }>>(
          `SELECT content::text AS oid FROM letter_header_images WHERE letter_id = $1`,
          [letter.id],
        )
      )[0]?.oid;
    const firstOid = await oidOf();

    await saved(
      upload(
        letter.slug,
        { data: await aPhotoWithLocation(), name: 'b.jpg', type: 'image/jpeg' },
        { alt_en: 'A red banner' },
      ),
    );
    const second = (await imageOnPage(letter.slug))!;
    expect(second.src).not.toBe(first.src);
    // Without a French description, the French page says the default language's.
    expect((await imageOnPage(letter.slug, '?lang=fr'))!.alt).toBe('A red banner');
    await request(first.src).expect(404);
    const exists = async (oid: string) =>
      (await t.db.query<unknown[]>(`SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1::oid`, [oid])).length > 0;
    expect(await exists(firstOid)).toBe(false);
    const secondOid = await oidOf();

    const csrf = await b.csrfFrom(`/organise/letters/${letter.slug}/header-image`);
    await b.agent
      .post(`/organise/letters/${letter.slug}/header-image/remove`)
      .type('form')
      .send({ _csrf: csrf })
      .expect(303);
    expect(await imageOnPage(letter.slug)).toBeNull();
    await request(second.src).expect(404);
    expect(await exists(secondOid)).toBe(false);
    expect(await trail(letter.id)).toEqual(['headerImages.uploaded', 'headerImages.replaced', 'headerImages.removed']);
    const auditPage = await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200);
    expect(auditPage.text).toContain('Removed the header image');
  });

  test('a draft letter’s image is not served to the public', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'draft' });
    await saved(
      upload(
        letter.slug,
        { data: await aPhotoWithLocation(), name: 'a.jpg', type: 'image/jpeg' },
        { alt_en: 'A banner' },
      ),
    );
    const [{ sha256 }] = await t.db.query<Array<{ sha256: string }>>(
      `SELECT sha256 FROM letter_header_images WHERE letter_id = $1`,
      [letter.id],
    );
    await request(`/letters/${letter.slug}/header-image/${sha256}.jpg`).expect(404);
  });
});

interface EarlyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Declares a multipart body of `declaredBytes`, sends only its first `sendBytes`, and waits: the
 * server's answer if it comes before the rest was sent (it cannot have read what was never sent).
 */
function earlyAnswer(
  path: string,
  opts: { declaredBytes: number; sendBytes: number; cookie: string },
): Promise<EarlyAnswer | null> {
  const { port } = server.address() as AddressInfo;
  const boundary = '----header-image-test';
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: EarlyAnswer | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(opts.declaredBytes),
          Cookie: opts.cookie,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', () => undefined);
    const timer = setTimeout(() => done(null), 3000);
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    req.write(Buffer.concat([head, Buffer.alloc(Math.max(0, opts.sendBytes - head.length), 0xff)]));
  });
}
