import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { aLetter, anEmail, seededLetter, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { linkFrom } from '../../support/smtp-sink';
import { decodeHtml } from '../../support/html';
import { useTestApp } from '../../support/test-app';

/**
 * What a signer writes of their own: an occupation or title, and a "why I signed" comment, on the
 * form of a letter whose owners ask for them; a field the letter does not ask is ignored.
 */
const t = useTestApp();

type Asked = Partial<Pick<Letter, 'askCity' | 'askOrganisation' | 'askOccupation' | 'askComment'>>;

async function letterAsking(asked: Asked): Promise<Letter> {
  const letter = await aLetter(t.db);
  await t.db.getRepository(Letter).update({ id: letter.id }, asked);
  return letter;
}

async function stored(email: string) {
  const [row] = await t.db.query<
    Array<{
      city: string | null;
      organisation: string | null;
      occupation: string | null;
      signed_as: string;
      comment: string | null;
      comment_status: string | null;
      comment_anonymous: boolean;
    }>
  >(
    `SELECT city, organisation, occupation, signed_as, comment, comment_status, comment_anonymous
       FROM signatures WHERE email = $1`,
    [email],
  );
  return row;
}

/** The form's fields on the letter page, by id. */
const fieldIds = (html: string) =>
  ['city', 'organisation', 'occupation', 'comment', 'commentAnonymous', 'signedAs-organisation'].filter((id) =>
    html.includes(`id="${id}"`),
  );

describe('which optional fields a letter asks', () => {
  test('a letter made before keeps today’s form: city and organisation asked, occupation and comment not', async () => {
    // The sample letters of a fresh install were made before the choice existed.
    const seeded = await seededLetter(t.db);
    expect(seeded).toMatchObject({ askCity: true, askOrganisation: true, askOccupation: false, askComment: false });
    const page = await request(t.app).get(`/letters/${seeded.slug}`).expect(200);
    expect(fieldIds(page.text)).toEqual(['city', 'organisation', 'signedAs-organisation']);
    // And what each field is for, and who sees it, is said beside it.
    expect(page.text).toMatch(/aria-describedby="city-purpose"/);
    expect(page.text).toMatch(/aria-describedby="organisation-purpose"/);
    expect(decodeHtml(page.text)).toContain('Public only beside a full name; the recipients see it.');
  });

  test('the form asks exactly the fields its owners chose', async () => {
    const letter = await letterAsking({
      askCity: false,
      askOrganisation: false,
      askOccupation: true,
      askComment: true,
    });
    const page = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
    expect(fieldIds(page.text)).toEqual(['occupation', 'comment', 'commentAnonymous']);
    expect(page.text).toContain('maxlength="500"');
  });

  test('a field the letter does not ask is ignored when it is posted anyway, even when it would be refused', async () => {
    const letter = await letterAsking({ askCity: false, askOrganisation: false });
    const email = anEmail('crafted');
    const res = await sign(
      t.app,
      letter.slug,
      signForm({
        email,
        city: 'Київ',
        organisation: 'Acme',
        signedAs: 'organisation',
        occupation: 'Surgeon',
        comment: 'x'.repeat(900),
        commentAnonymous: 'on',
      }),
    );
    expect(res.status).toBe(303);
    expect(await stored(email)).toEqual({
      city: null,
      organisation: null,
      occupation: null,
      signed_as: 'individual',
      comment: null,
      comment_status: null,
      comment_anonymous: false,
    });
  });
});

describe('occupation or title', () => {
  test('is stored, shown on the confirmation page, on the letter page and on the list beside a full name only', async () => {
    const letter = await letterAsking({ askOccupation: true });
    const email = anEmail('doctor');
    await sign(t.app, letter.slug, signForm({ email, fullName: 'Ірина Лікар', occupation: 'Педіатриня' })).then((r) =>
      expect(r.status).toBe(303),
    );
    expect((await stored(email)).occupation).toBe('Педіатриня');
    const mails = await t.smtp.waitFor(email, 1);
    const confirmPage = await request(t.app)
      .get(new URL(linkFrom(mails[0], '/s/confirm/')).pathname)
      .expect(200);
    expect(decodeHtml(confirmPage.text)).toContain('Педіатриня');
    await confirm(t, email);

    const initialsOnly = anEmail('initials');
    await sign(
      t.app,
      letter.slug,
      signForm({ email: initialsOnly, fullName: 'Айгерім Қасымқызы', occupation: 'Хирург', visibility: 'initials' }),
    ).then((r) => expect(r.status).toBe(303));
    await confirm(t, initialsOnly);

    const list = decodeHtml((await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text);
    expect(list).toContain('Ірина Лікар, Педіатриня');
    expect(list).toContain('А. Қ.');
    // An initials-only signer's occupation would say who they are.
    expect(list).not.toContain('Хирург');
    const page = decodeHtml((await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text);
    expect(page).toContain('Ірина Лікар, Педіатриня');
    expect(page).not.toContain('Хирург');
  });
});

describe('"why I signed"', () => {
  test('a comment over 500 characters is refused with a clear message in the signer’s language; 500 are taken', async () => {
    const letter = await letterAsking({ askComment: true });
    const tooLong = await sign(t.app, letter.slug, signForm({ comment: 'é'.repeat(501) }), { lang: 'fr' });
    expect(tooLong.status).toBe(422);
    expect(decodeHtml(tooLong.text)).toContain('Votre commentaire est trop long : 500 caractères au plus');
    expect(tooLong.text).toContain('id="comment-error"');

    const email = anEmail('fits');
    await sign(t.app, letter.slug, signForm({ email, comment: `  ${'é'.repeat(500)}  ` })).then((r) =>
      expect(r.status).toBe(303),
    );
    expect(await stored(email)).toMatchObject({ comment: 'é'.repeat(500), comment_status: 'pending' });
  });

  test('a private signer’s comment is kept only when they allow it to be shown without their name', async () => {
    const letter = await letterAsking({ askComment: true });
    const without = anEmail('private');
    await sign(
      t.app,
      letter.slug,
      signForm({ email: without, visibility: 'private', comment: 'Nobody will read this' }),
    );
    expect(await stored(without)).toMatchObject({ comment: null, comment_status: null, comment_anonymous: false });

    const allowed = anEmail('allowed');
    await sign(
      t.app,
      letter.slug,
      signForm({ email: allowed, visibility: 'private', comment: 'For my sister', commentAnonymous: 'on' }),
    );
    expect(await stored(allowed)).toMatchObject({
      comment: 'For my sister',
      comment_status: 'pending',
      comment_anonymous: true,
    });

    // For a listed name the tick means nothing and is not kept.
    const listed = anEmail('listed');
    await sign(t.app, letter.slug, signForm({ email: listed, comment: 'Signed', commentAnonymous: 'on' }));
    expect(await stored(listed)).toMatchObject({ comment: 'Signed', comment_anonymous: false });
  });

  test('a name made private on the confirmation page, without the consent, takes its comment along', async () => {
    const letter = await letterAsking({ askComment: true });
    const email = anEmail('changes-mind');
    await sign(t.app, letter.slug, signForm({ email, comment: 'Public words' })).then((r) =>
      expect(r.status).toBe(303),
    );
    await confirm(t, email, { visibility: 'private' });
    expect(await stored(email)).toMatchObject({ comment: null, comment_status: null });
  });
});
