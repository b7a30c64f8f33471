import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { anOrganiser, letterForm, postForm, signInAs } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

/** A form of about `kb` kilobytes: one long field. */
const bulky = (kb: number) => `_csrf=x&body=${'a'.repeat(kb * 1024)}`;

describe('large forms are read only for signed-in organisers', () => {
  // Organisers' letter forms and admins' templates may carry 400 KB and 200 KB. A stranger's POST
  // to those paths is held to the 20 KB every other form has, so it costs no more than any other:
  // refused on its size before anything else, as every oversized form is.
  test.each(['/organise/letters', '/organise/letters/some-letter/edit', '/admin/templates'])(
    "a stranger's 100 KB form to %s is refused as too large",
    async (path) => {
      const res = await request(t.app).post(path).type('form').send(bulky(100));
      expect(res.status).toBe(413);
    },
  );

  test("a stranger with an organiser's stale cookie gets the same 413", async () => {
    const res = await request(t.app)
      .post('/organise/letters')
      .set('Cookie', 'sid=s%3Anot-a-session.signature')
      .type('form')
      .send(bulky(100));
    expect(res.status).toBe(413);
  });

  test('a signed-in organiser saves a letter whose form is over 20 KB', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = `large-form-${Date.now().toString(36)}`;
    const body = 'We ask you to **release** them.\n\n'.repeat(1200); // about 38 KB
    const res = await postForm(b, '/organise/letters/new', '/organise/letters', {
      ...letterForm(slug, { tr0_body: body }),
      action: 'save',
    });
    expect(res.status).toBe(303);
    const letter = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { slug }, relations: { translations: true } });
    expect(letter.translations.find((x) => x.language === 'en')?.body.length).toBeGreaterThan(20 * 1024);
  });

  test('an anonymous small form to an organiser path is still answered as before (sign in first)', async () => {
    const b = browser(t.app);
    const res = await b.agent.post('/organise/letters').type('form').send({ slug: 'x' });
    expect([303, 403]).toContain(res.status);
  });
});
