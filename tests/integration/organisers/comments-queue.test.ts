import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { applyRetention, eraseSigner } from '../../../src/features/privacy';
import type { Signature } from '../../../src/features/signatures/signature.entity';
import { aSignature, anEmail } from '../../support/factories';
import { decodeHtml } from '../../support/html';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

/**
 * Signers' "why I signed" comments: nothing of one is public until an organiser approves it in
 * the comments queue; a rejected one leaves the database. The letter page is cached for 30 s
 * here, so that an approval that did not reach it would show.
 */
const t = useTestApp({ LETTER_PAGE_CACHE_SECONDS: '30', API_REQUESTS_PER_TOKEN_PER_MINUTE: '1000' });

async function ownLetter(role: 'owner' | 'editor' = 'owner'): Promise<{ b: Browser; letter: Letter; queue: string }> {
  const organiser = await anOrganiser(t.db, { name: 'Comment Keeper' });
  const letter = await aLetterOf(t.db, organiser, role, { status: 'open' });
  await t.db.getRepository(Letter).update({ id: letter.id }, { askComment: true });
  const b = await signInAs(t.app, t.smtp, organiser.email);
  return { b, letter, queue: `/organise/letters/${letter.slug}/comments` };
}

/** A confirmed signature with a comment waiting for a decision (as signing and confirming leave it). */
function commented(letter: Letter, comment: string, o: Parameters<typeof aSignature>[2] = {}): Promise<Signature> {
  return aSignature(t.db, letter, { comment, commentStatus: 'pending', ...o });
}

/** Posts one decision of the queue page: its pressed button and the ticked comments. */
async function decide(b: Browser, queue: string, decide: string, ids: string[] = []) {
  const csrf = await b.csrfFrom(queue);
  const body = new URLSearchParams({ _csrf: csrf, decide });
  for (const id of ids) body.append('ids', id);
  return b.agent.post(`${queue}/decide`).type('form').send(body.toString());
}

/** The group key the queue page gives a comment's text. */
async function groupOf(b: Browser, queue: string, text: string): Promise<string> {
  const page = decodeHtml((await b.agent.get(queue).expect(200)).text);
  const at = page.indexOf(text);
  expect(at).toBeGreaterThan(-1);
  const key = /value="approve:([0-9a-f]{32})"/.exec(page.slice(at))?.[1];
  expect(key).toBeDefined();
  return key!;
}

/** Everything the public reads of a letter, as one text. */
async function publicReads(letter: Letter, token?: string): Promise<string> {
  const paths = [
    `/letters/${letter.slug}`,
    `/letters/${letter.slug}/signatories`,
    `/letters/${letter.slug}/signatories?comments=1`,
    `/letters/${letter.slug}/comments`,
    `/letters/${letter.slug}.json`,
  ];
  const pages = await Promise.all(paths.map((p) => request(t.app).get(p).expect(200)));
  const texts = pages.map((p) => decodeHtml(p.text));
  if (token)
    texts.push(
      (
        await request(t.app)
          .get(`/api/v1/letters/${letter.slug}/signatures`)
          .set('Authorization', `Bearer ${token}`)
          .expect(200)
      ).text,
    );
  return texts.join('\n');
}

async function createToken(b: Browser, letter: Letter): Promise<string> {
  const page = `/organise/letters/${letter.slug}/api`;
  const res = await postForm(b, page, `${page}/tokens`, { name: 'Reader' });
  expect(res.status).toBe(201);
  return /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(res.text)![1];
}

async function auditOf(letterId: string, kind: string) {
  return t.db.query<Array<{ detail: Record<string, unknown>; erasable: unknown }>>(
    `SELECT e.detail, d.detail AS erasable FROM audit_events e LEFT JOIN audit_details d ON d.id = e.detail_id
      WHERE e.letter_id = $1 AND e.kind = $2 ORDER BY e.id`,
    [letterId, kind],
  );
}

test('a comment is invisible until approved (list, wall, comments page, JSON, API), then shown at once everywhere', async () => {
  const { b, letter, queue } = await ownLetter();
  const token = await createToken(b, letter);
  await commented(letter, 'Because my grandmother was a political prisoner', { fullName: 'Olena Public' });
  // Read once, so that the letter page and its JSON are in the cache.
  let seen = await publicReads(letter, token);
  expect(seen).toContain('Olena Public');
  expect(seen).not.toContain('political prisoner');

  const res = await decide(b, queue, `approve:${await groupOf(b, queue, 'political prisoner')}`);
  expect(res.status).toBe(303);
  seen = await publicReads(letter, token);
  for (const path of ['', '/signatories?comments=1', '/comments']) {
    const page = decodeHtml((await request(t.app).get(`/letters/${letter.slug}${path}`).expect(200)).text);
    expect(page).toContain('Because my grandmother was a political prisoner');
  }
  const json = (await request(t.app).get(`/letters/${letter.slug}.json`).expect(200)).body as {
    comments: { newest: Array<{ comment: string; name: string }> };
  };
  expect(json.comments.newest).toEqual([
    expect.objectContaining({ comment: 'Because my grandmother was a political prisoner', name: 'Olena Public' }),
  ]);
  expect(seen.match(/political prisoner/g)?.length).toBeGreaterThanOrEqual(6);

  // The decision is in the trail as a count, never with the words.
  const [event] = await auditOf(letter.id, 'organisers.comments-approved');
  expect(event.detail).toEqual({ count: 1 });
  expect(JSON.stringify(event)).not.toContain('prisoner');
});

test('the list filtered to comments shows only listed signers with an approved comment, and keeps the filter in the URL', async () => {
  const { letter } = await ownLetter();
  for (let i = 0; i < 3; i++)
    await aSignature(t.db, letter, {
      fullName: `Approved ${i}`,
      comment: `Reason ${i}`,
      commentStatus: 'approved',
      commentApprovedAt: new Date(),
    });
  await commented(letter, 'Still waiting', { fullName: 'Waiting Signer' });
  await aSignature(t.db, letter, { fullName: 'No Comment' });
  const page = decodeHtml(
    (await request(t.app).get(`/letters/${letter.slug}/signatories?comments=1`).expect(200)).text,
  );
  expect(page).toContain('Approved 0');
  expect(page).toContain('Reason 2');
  expect(page).not.toContain('Waiting Signer');
  expect(page).not.toContain('No Comment');
  expect(page).toMatch(/id="comments" name="comments" value="1" checked/);
});

test('rejecting erases the text from the database; the trail keeps the count only', async () => {
  const { b, letter, queue } = await ownLetter();
  const sig = await commented(letter, 'Buy cheap watches at spam.example');
  const res = await decide(b, queue, 'reject', [sig.id]);
  expect(res.status).toBe(303);
  expect(res.headers.location).toContain('done=reject&n=1');
  const [row] = await t.db.query<Array<{ comment: string | null; comment_status: string | null }>>(
    `SELECT comment, comment_status FROM signatures WHERE id = $1`,
    [sig.id],
  );
  expect(row).toEqual({ comment: null, comment_status: null });
  const [{ n }] = await t.db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM signatures WHERE comment LIKE '%spam.example%'`,
  );
  expect(n).toBe(0);
  expect(await publicReads(letter)).not.toContain('spam.example');
  const [event] = await auditOf(letter.id, 'organisers.comments-rejected');
  expect(event.detail).toEqual({ count: 1 });
  expect(event.erasable).toBeNull();
});

test('a signature erased or withdrawn takes its comment, approved or not', async () => {
  const { letter } = await ownLetter();
  const email = anEmail('leaving');
  await aSignature(t.db, letter, {
    email,
    comment: 'Words that leave with me',
    commentStatus: 'approved',
    commentApprovedAt: new Date(),
  });
  expect(await publicReads(letter)).toContain('Words that leave with me');
  await eraseSigner(t.db, email);
  const [{ n }] = await t.db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM signatures WHERE comment = 'Words that leave with me'`,
  );
  expect(n).toBe(0);
  // The page (cached for 30 s here) shows the list from the database once it expires; the
  // comments' own page and the list read it now.
  const page = decodeHtml((await request(t.app).get(`/letters/${letter.slug}/comments`).expect(200)).text);
  expect(page).not.toContain('Words that leave with me');
});

describe('whose name a comment is shown with', () => {
  test('a private signer’s approved comment is shown as from a signer of their country, in the reader’s language, only with their consent', async () => {
    const { b, letter, queue } = await ownLetter();
    await commented(letter, 'I cannot give my name', {
      fullName: 'Секретна Людина',
      visibility: 'private',
      country: 'KZ',
      commentAnonymous: true,
    });
    // A private signer without the consent (a name made private later, from their link): never
    // in the queue, never shown, and erased by retention.
    const hidden = await commented(letter, 'Never to be read', {
      fullName: 'Інша Людина',
      visibility: 'private',
      country: 'KZ',
    });
    const queuePage = decodeHtml((await b.agent.get(queue).expect(200)).text);
    expect(queuePage).toContain('I cannot give my name');
    expect(queuePage).not.toContain('Never to be read');
    expect(queuePage).not.toContain('Секретна Людина');

    await decide(b, queue, `approve:${await groupOf(b, queue, 'I cannot give my name')}`).then((r) =>
      expect(r.status).toBe(303),
    );
    // Even a decision naming it directly does not reach the one without consent.
    const direct = await decide(b, queue, 'approve', [hidden.id]);
    expect(direct.headers.location).toContain('n=0');

    const en = decodeHtml((await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200)).text);
    expect(en).toContain('I cannot give my name');
    expect(en).toContain('a signer from Kazakhstan');
    const ru = decodeHtml((await request(t.app).get(`/letters/${letter.slug}/comments?lang=ru`).expect(200)).text);
    expect(ru).toContain('подписант (страна: Казахстан)');
    const all = await publicReads(letter);
    expect(all).not.toContain('Секретна Людина');
    expect(all).not.toContain('Інша Людина');
    expect(all).not.toContain('Never to be read');

    await applyRetention(t.db, t.config);
    const [row] = await t.db.query<Array<{ comment: string | null }>>(`SELECT comment FROM signatures WHERE id = $1`, [
      hidden.id,
    ]);
    expect(row.comment).toBeNull();
  });

  test('an initials-only signer’s comment is signed with their initials, never their name', async () => {
    const { letter } = await ownLetter();
    await aSignature(t.db, letter, {
      fullName: 'Айгерім Қасымқызы',
      visibility: 'initials',
      comment: 'Our rights',
      commentStatus: 'approved',
      commentApprovedAt: new Date(),
    });
    const all = await publicReads(letter);
    expect(all).toContain('Our rights');
    expect(all).toContain('А. Қ.');
    expect(all).not.toContain('Айгерім');
  });

  test('a hidden or held signature’s comment is not shown, even approved', async () => {
    const { letter } = await ownLetter();
    const approved = { commentStatus: 'approved' as const, commentApprovedAt: new Date() };
    await aSignature(t.db, letter, { comment: 'Hidden words', hidden: true, ...approved });
    await aSignature(t.db, letter, { comment: 'Held words', heldReason: 'burst-ip', ...approved });
    const all = await publicReads(letter);
    expect(all).not.toContain('Hidden words');
    expect(all).not.toContain('Held words');
  });
});

describe('the queue’s bulk decisions', () => {
  test('a group of the same text is decided at once, at most 100 a request; the ticked ones together', async () => {
    const { b, letter, queue } = await ownLetter();
    await t.db.query(
      `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status,
                               confirmed_at, comment, comment_status)
       SELECT $1, 'Bot ' || i, 'bot' || i || '@spam.test', 'bot' || i || '@spam.test', 'UA', 'public', 'en', 'confirmed',
              now(), CASE WHEN i % 2 = 0 THEN 'Great  letter!' ELSE 'great letter! ' END, 'pending'
         FROM generate_series(1, 120) AS i`,
      [letter.id],
    );
    const one = await commented(letter, 'A thoughtful reason');
    const two = await commented(letter, 'Another reason');
    const page = decodeHtml((await b.agent.get(queue).expect(200)).text);
    expect(page).toContain('122 comments waiting');
    // Case and spaces aside, the same words are one group, shown first.
    expect(page).toMatch(/Group 1: 120 comments with the same text/);

    const group = await groupOf(b, queue, 'great letter');
    const first = await decide(b, queue, `reject:${group}`);
    expect(first.headers.location).toContain('n=100');
    const second = await decide(b, queue, `reject:${group}`);
    expect(second.headers.location).toContain('n=20');
    const [{ n }] = await t.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM signatures WHERE letter_id = $1 AND comment IS NOT NULL`,
      [letter.id],
    );
    expect(n).toBe(2);

    const ticked = await decide(b, queue, 'approve', [one.id, two.id]);
    expect(ticked.headers.location).toContain('done=approve&n=2');
    expect(await publicReads(letter)).toContain('A thoughtful reason');
    expect((await auditOf(letter.id, 'organisers.comments-rejected')).map((e) => e.detail)).toEqual([
      { count: 100 },
      { count: 20 },
    ]);
  });

  test('a request that ticks nothing, too many or not a comment is refused with a message; nothing changes', async () => {
    const { b, letter, queue } = await ownLetter();
    const sig = await commented(letter, 'Untouched');
    const none = await decide(b, queue, 'approve');
    expect(none.status).toBe(422);
    expect(decodeHtml(none.text)).toContain('Tick at least one comment first.');
    const many = await decide(
      b,
      queue,
      'approve',
      Array.from({ length: 101 }, () => sig.id),
    );
    expect(many.status).toBe(422);
    const bad = await decide(b, queue, 'publish-all');
    expect(bad.status).toBe(422);
    const [row] = await t.db.query<Array<{ comment_status: string }>>(
      `SELECT comment_status FROM signatures WHERE id = $1`,
      [sig.id],
    );
    expect(row.comment_status).toBe('pending');
  });

  test('a member of another letter’s team decides nothing here', async () => {
    const { letter } = await ownLetter();
    const sig = await commented(letter, 'Not yours to approve');
    const other = await ownLetter();
    const res = await decide(other.b, other.queue, 'approve', [sig.id]);
    expect(res.headers.location).toContain('n=0');
    const stranger = await other.b.agent.get(`/organise/letters/${letter.slug}/comments`);
    expect(stranger.status).toBe(404);
  });
});

describe('the owners’ choice of the form’s fields', () => {
  test('an owner changes the fields on the edit page; the trail records it; the sign form follows at once', async () => {
    const { b, letter } = await ownLetter();
    const edit = `/organise/letters/${letter.slug}/edit`;
    const res = await postForm(b, edit, `/organise/letters/${letter.slug}/sign-fields`, {
      'ask-occupation': 'on',
      'ask-comment': 'on',
    });
    expect(res.status).toBe(303);
    const stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored).toMatchObject({ askCity: false, askOrganisation: false, askOccupation: true, askComment: true });
    const [event] = await auditOf(letter.id, 'organisers.sign-fields-changed');
    expect(event.detail).toEqual({ asked: 'occupation, comment', added: 'occupation', removed: 'city, organisation' });
    const page = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(page).toContain('id="occupation"');
    expect(page).not.toContain('id="city"');
    const form = decodeHtml((await b.agent.get(edit).expect(200)).text);
    expect(form).toMatch(/id="ask-occupation" name="ask-occupation" value="on"[^>]* checked/);
  });

  test('an editor sees the choice but cannot change it', async () => {
    const { b, letter } = await ownLetter('editor');
    const edit = `/organise/letters/${letter.slug}/edit`;
    expect((await b.agent.get(edit).expect(200)).text).toContain('id="sign-fields-heading"');
    const res = await postForm(b, edit, `/organise/letters/${letter.slug}/sign-fields`, { 'ask-occupation': 'on' });
    expect(res.status).toBe(403);
    const stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored.askOccupation).toBe(false);
  });
});
