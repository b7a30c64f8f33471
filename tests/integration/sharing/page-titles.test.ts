import request from 'supertest';
import { aLetter, BIRTHDAY, FRENCH, seededLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { decodeHtml, metaContents } from '../../support/html';

const t = useTestApp({}, { worker: false });

/** Search results cut a page title after about 70 characters. */
const SEARCH_TITLE_MAX = 70;

function pageTitle(html: string): string {
  return decodeHtml(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '');
}

const LONG = 'A letter to the Minister of Justice on the extradition of a political refugee, in full';

describe('page titles', () => {
  test("a version's short title is the page title and the share cards' title; the heading keeps the full one", async () => {
    const letter = await aLetter(t.db, { title: LONG });
    await t.db.getRepository(LetterTranslation).update({ letterId: letter.id }, { shortTitle: 'Stop the extradition' });
    const html = (await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200)).text;
    expect(pageTitle(html)).toBe('Stop the extradition · Undersigned');
    expect(metaContents(html, 'og:title')).toEqual(['Stop the extradition']);
    expect(metaContents(html, 'twitter:title')).toEqual(['Stop the extradition']);
    expect(html).toContain(`<h1>${LONG}</h1>`);
    const embed = (await request(t.app).get(`/letters/${letter.slug}/embed?lang=en`).expect(200)).text;
    expect(pageTitle(embed)).toBe('Stop the extradition · Undersigned');
  });

  test('without a short title, a long title is not lengthened by the site name', async () => {
    const letter = await aLetter(t.db, { title: LONG });
    const html = (await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200)).text;
    expect(pageTitle(html)).toBe(LONG);
    expect(metaContents(html, 'og:title')).toEqual([LONG]);
  });

  test.each([BIRTHDAY, FRENCH])(
    'every version of the sample letter %s has a page title search results show whole',
    async (slug) => {
      const letter = await seededLetter(t.db, slug);
      for (const { language } of letter.translations) {
        for (const path of [`/letters/${slug}?lang=${language}`, `/letters/${slug}/embed?lang=${language}`]) {
          const title = pageTitle((await request(t.app).get(path).expect(200)).text);
          expect([path, title, title.length <= SEARCH_TITLE_MAX]).toEqual([path, title, true]);
        }
      }
    },
  );
});
