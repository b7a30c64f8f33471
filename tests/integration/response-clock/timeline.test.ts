import crypto from 'node:crypto';
import request from 'supertest';
import { recordAudit } from '../../../src/core/audit';
import { LANGUAGES } from '../../../src/platform/web/languages';
import { tFor } from '../../../src/platform/web/i18n';
import { TIMELINE_ON_LETTER_PAGE } from '../../../src/features/response-clock';
import { anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { decodeHtml } from '../../support/html';
import { addDays, answerThroughLink, anOldLetter, aRecipientLink, dayOf, publish, recordDelivery } from './support';

const t = useTestApp();
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Story Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

const at = (day: string, hour = 10) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);

/** The keys of the events on every page of the timeline, in the order shown, following the "older" links. */
async function timelineKeys(slug: string, lang: string): Promise<{ keys: string[]; pages: string[] }> {
  const keys: string[] = [];
  const pages: string[] = [];
  let url: string | null = `/letters/${slug}/timeline?lang=${lang}`;
  while (url) {
    const res = await request(t.app).get(url).expect(200);
    pages.push(res.text);
    const list = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(res.text)![1];
    keys.push(...[...list.matchAll(/<li id="story-([^"]+)"/g)].map((m) => m[1]));
    const next = /<a href="([^"]+)" rel="next"/.exec(res.text);
    url = next ? decodeHtml(next[1]) : null;
  }
  return { keys, pages };
}

describe('the letter’s story', () => {
  test('every event once, newest first, in each language, page by page without script; the feed carries the same', async () => {
    const letter = await anOldLetter(t.db, owner, `Story ${crypto.randomBytes(3).toString('hex')}`);
    await t.db.query(`UPDATE letters SET goal = 150 WHERE id = $1`, [letter.id]);
    const start = addDays(dayOf(new Date()), -60);
    const expected: Array<{ key: string; at: Date }> = [];

    // Published: the trail's first opening.
    await t.db.transaction((tx) =>
      recordAudit(tx, {
        letterId: letter.id,
        actor: null,
        kind: 'organisers.letter-status-changed',
        detail: { from: 'draft', to: 'open' },
      }),
    );
    const [opened] = await t.db.query<Array<{ at: Date }>>(
      `SELECT created_at AS at FROM audit_events WHERE letter_id = $1 AND kind = 'organisers.letter-status-changed'`,
      [letter.id],
    );
    // The trail is append-only: the opening is dated now; the other events are dated before it
    // except those the test adds after.
    expected.push({ key: 'published', at: opened.at });

    // The count's days: 10 on day 2, 100 and the goal (150) on day 5.
    for (const [d, n] of [
      [2, 12],
      [5, 140],
    ] as const)
      await t.db.query(`INSERT INTO letter_count_days (letter_id, day, country, delta) VALUES ($1, $2, 'FR', $3)`, [
        letter.id,
        addDays(start, d),
        n,
      ]);
    expected.push({ key: 'milestone-10', at: at(addDays(start, 2), 12) });
    expected.push({ key: 'milestone-100', at: at(addDays(start, 5), 12) });
    expected.push({ key: 'milestone-150', at: at(addDays(start, 5), 12) });

    // A text change in French (version 1 replaced by 2).
    await t.db.query(
      `INSERT INTO letter_text_versions (letter_id, language, version, title, body, published_at, replaced_at) VALUES ($1, 'fr', 1, 'Ancien', 'Texte', $2, $3)`,
      [letter.id, at(start), at(addDays(start, 7))],
    );
    expected.push({ key: 'text-fr-2', at: at(addDays(start, 7)) });

    // 22 updates: more than a page.
    for (let i = 0; i < 22; i++) {
      const [u] = await t.db.query<Array<{ id: string }>>(
        `INSERT INTO letter_updates (letter_id, language, subject, body_markdown, created_at, send_at)
         VALUES ($1, 'en', $2, 'News', $3, $3) RETURNING id`,
        [letter.id, `News number ${i}`, at(addDays(start, 8 + i), 9)],
      );
      expected.push({ key: `update-${u.id}`, at: at(addDays(start, 8 + i), 9) });
    }

    // Delivered (with a date and reminders on), reminders sent on two days, the answer published.
    const delivered = addDays(start, 31);
    expect((await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseWithin: '14' })).status).toBe(303);
    expected.push({ key: 'delivered', at: new Date(`${delivered}T12:00:00Z`) });
    const { link, path } = await aRecipientLink(t, b, letter.slug, {
      name: 'Private Addressee',
      email: 'private-addressee@ministry.example',
    });
    for (const [d, n] of [
      [38, 1],
      [45, 2],
    ] as const) {
      for (let i = 0; i < n; i++)
        await t.db.query(
          `INSERT INTO response_reminders (letter_id, link_id, due_on, point, status, created_at, sent_at) VALUES ($1, $2, $3, $4, 'sent', $5, $5)`,
          [letter.id, link.id, addDays(start, 45 + i), d - 45 - i, at(addDays(start, d))],
        );
      expected.push({ key: `reminders-${addDays(start, d)}`, at: at(addDays(start, d)) });
    }
    await answerThroughLink(t, path, { kind: 'declined', body: 'We decline.' });
    const [held] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM letter_responses WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect((await publish(b, letter.slug, held.id)).status).toBe(303);
    const [pub] = await t.db.query<Array<{ at: Date }>>(
      `SELECT published_at AS at FROM letter_responses WHERE id = $1`,
      [held.id],
    );
    expected.push({ key: `response-${held.id}`, at: pub.at });

    const order = expected
      .slice()
      .sort((x, y) => y.at.getTime() - x.at.getTime())
      .map((e) => e.key);
    // Ties: the same noon for two milestones; the later kind first, then the key.
    expect(new Set(order).size).toBe(order.length);

    for (const lang of LANGUAGES) {
      const tr = tFor(lang);
      const { keys, pages } = await timelineKeys(letter.slug, lang);
      expect(keys).toEqual(order.map((k) => k));
      expect(pages).toHaveLength(2);
      const all = pages.join('\n');
      expect(all).toContain(tr('responseClock.timeline.heading'));
      expect(decodeHtml(all)).toContain(tr('responseClock.timeline.reminders', { count: 2, formatted: '2' }));
      expect(decodeHtml(all)).toContain(tr('responseClock.kind.declined'));
      // The diff link of the text change.
      expect(decodeHtml(all)).toContain(`/letters/${letter.slug}/diff?lang=fr&from=1&to=2`);
      // Nothing private: no addressee's name or address.
      expect(all).not.toContain('Private Addressee');
      expect(all).not.toContain('private-addressee@');

      // The letter page shows the newest few and the way to the rest.
      const page = await request(t.app).get(`/letters/${letter.slug}?lang=${lang}`).expect(200);
      const story = /<section aria-labelledby="story-heading"[\s\S]*?<\/section>/.exec(page.text)![0];
      expect([...story.matchAll(/<li id="story-([^"]+)"/g)].map((m) => m[1])).toEqual(
        order.slice(0, TIMELINE_ON_LETTER_PAGE),
      );
      expect(story).toContain(`/letters/${letter.slug}/timeline?lang=${lang}`);

      // The feed: the same entries, in the same order.
      const feed = await request(t.app).get(`/letters/${letter.slug}/timeline.atom?lang=${lang}`).expect(200);
      const ids = [...feed.text.matchAll(/<id>[^<]*\/timeline#story-([^<]+)<\/id>/g)].map((m) => m[1]);
      expect(ids).toEqual(order);
      expect(feed.text).not.toContain('Private Addressee');
    }

    // Beyond the last page, or a page that is not a number.
    await request(t.app).get(`/letters/${letter.slug}/timeline?page=3`).expect(404);
    await request(t.app).get(`/letters/${letter.slug}/timeline?page=x`).expect(400);
  });
});

describe('/responses', () => {
  test('delivered public letters grouped into awaiting, overdue and answered, with their addressees and dates; never a draft; and its feed', async () => {
    const tag = crypto.randomBytes(3).toString('hex');
    const today = dayOf(new Date());
    const awaiting = await anOldLetter(t.db, owner, `Awaiting ${tag}`);
    await recordDelivery(b, awaiting.slug, {
      deliveredAt: addDays(today, -2),
      deliveredTo: 'The Mayor',
      responseWithin: '30',
    });
    const overdue = await anOldLetter(t.db, owner, `Overdue ${tag}`);
    await recordDelivery(b, overdue.slug, {
      deliveredAt: addDays(today, -20),
      deliveredTo: 'The Prefect',
      responseWithin: '14',
    });
    const answered = await anOldLetter(t.db, owner, `Answered ${tag}`);
    await recordDelivery(b, answered.slug, {
      deliveredAt: addDays(today, -5),
      deliveredTo: 'The Governor',
      responseWithin: '30',
    });
    const { path } = await aRecipientLink(t, b, answered.slug, { name: 'The Governor' });
    await answerThroughLink(t, path, { kind: 'accepted', body: 'Accepted.' });
    const [held] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM letter_responses WHERE letter_id = $1`, [
      answered.id,
    ]);
    await publish(b, answered.slug, held.id);
    const draft = await anOldLetter(t.db, owner, `Draft ${tag}`);
    await recordDelivery(b, draft.slug, { deliveredAt: addDays(today, -1), responseWithin: '30' });
    await t.db.query(`UPDATE letters SET status = 'draft' WHERE id = $1`, [draft.id]);

    const res = await request(t.app).get('/responses?lang=en').expect(200);
    const section = (id: string) => new RegExp(`<section[^>]*id="${id}">([\\s\\S]*?)</section>`).exec(res.text)![1];
    expect(section('awaiting')).toContain(`Awaiting ${tag}`);
    expect(section('awaiting')).toContain('Delivered to The Mayor.');
    expect(section('overdue')).toContain(`Overdue ${tag}`);
    expect(section('overdue')).toContain('overdue by 6 days');
    expect(section('answered')).toContain(`Answered ${tag}`);
    expect(section('answered')).toContain('(Accepted)');
    for (const id of ['awaiting', 'answered']) expect(section(id)).not.toContain(`Overdue ${tag}`);
    expect(res.text).not.toContain(`Draft ${tag}`);

    const ru = await request(t.app).get('/responses?lang=ru').expect(200);
    expect(ru.text).toContain(tFor('ru')('responseClock.responses.heading'));

    const feed = await request(t.app).get('/responses.atom?lang=en').expect(200);
    expect(feed.headers['content-type']).toMatch(/application\/atom\+xml/);
    expect(feed.text).toContain(`Answered: Answered ${tag}`);
    expect(feed.text).toContain(`Response overdue: Overdue ${tag}`);
    expect(feed.text).not.toContain(`Draft ${tag}`);
  });
});
