/**
 * A letter that is not reviewed is never public: not its page, its JSON, the home list, the
 * sitemap, the feeds, its sign form, nor any page under it, whatever its status says. Once an admin
 * approves it (or for a letter that needs no review), it is public as before.
 */
import type { DataSource } from 'typeorm';
import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { REVIEW_STATES, type ReviewState } from '../../../src/core/letters/review';
import { aLetter, signForm } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

async function setReview(db: DataSource, id: string, reviewState: ReviewState) {
  await db.getRepository(Letter).update({ id }, { reviewState });
}

const HIDDEN: ReviewState[] = ['draft', 'submitted', 'changes_requested', 'rejected'];

describe('letters waiting for review', () => {
  it('lists every review state it knows', () => {
    expect([...REVIEW_STATES].sort()).toEqual([...HIDDEN, 'none', 'approved'].sort());
  });

  it.each(HIDDEN)('are nowhere public while %s, though open', async (state) => {
    const title = `Unreviewed letter ${state} ${Date.now()}`;
    const letter = await aLetter(t.db, { status: 'open', title });
    await setReview(t.db, letter.id, state);
    const app = request(t.app);
    await app.get(`/letters/${letter.slug}`).expect(404);
    await app.get(`/letters/${letter.slug}.json`).expect(404);
    await app.get(`/letters/${letter.slug}/signatories`).expect(404);
    await app.get(`/letters/${letter.slug}/integrity`).expect(404);
    await app.get(`/letters/${letter.slug}/history.json`).expect(404);
    await app.get(`/letters/${letter.slug}/embed`).expect(404);
    expect((await app.get('/').expect(200)).text).not.toContain(letter.slug);
    expect((await app.get('/sitemap.xml').expect(200)).text).not.toContain(letter.slug);
    expect((await app.get('/feeds/letters.atom').expect(200)).text).not.toContain(letter.slug);

    // The sign POST, with a CSRF token from a public page: refused, nothing written.
    const open = await aLetter(t.db, { status: 'open' });
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${open.slug}`);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm(), _csrf: csrf });
    expect(res.status).toBe(404);
    const [{ n }] = await t.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM signatures WHERE letter_id = $1`,
      [letter.id],
    );
    expect(n).toBe(0);
  });

  it.each(['none', 'approved'] as ReviewState[])('are public when %s', async (state) => {
    const letter = await aLetter(t.db, { status: 'open' });
    await setReview(t.db, letter.id, state);
    const app = request(t.app);
    await app.get(`/letters/${letter.slug}`).expect(200);
    await app.get(`/letters/${letter.slug}.json`).expect(200);
    expect((await app.get('/sitemap.xml').expect(200)).text).toContain(letter.slug);
    expect((await app.get('/feeds/letters.atom').expect(200)).text).toContain(letter.slug);
  });
});
