import request from 'supertest';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { monthName } from '../../../src/features/transparency';

const t = useTestApp({}, { worker: false });

/** A moment in the month `back` months before this one (UTC), on its 10th day. */
function monthsAgo(back: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 10, 12));
}

/** The figures of one month's row of the record, by column (approved, changes, rejected, reject-<reason>). */
function rowOf(html: string, month: Date): Record<string, number> {
  const key = month.toISOString().slice(0, 7);
  const row = new RegExp(`<tr data-month="${key}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
  if (!row) return {};
  return Object.fromEntries(
    [...row.matchAll(/data-kind="([^"]+)">([\d\s,.\u00a0\u202f]+)</g)].map((m) => [
      m[1],
      Number(m[2].replace(/\D/g, '')),
    ]),
  );
}

async function decide(letterId: string | null, decision: string, at: Date, reason: string | null = null) {
  await t.db.query(
    `INSERT INTO letter_review_decisions (letter_id, decision, reason_key, decided_at) VALUES ($1, $2, $3, $4)`,
    [letterId, decision, reason, at],
  );
}

test('/moderation counts letters approved, sent back and rejected per reason, month by month, in the reader language', async () => {
  const earlier = monthsAgo(3);
  const later = monthsAgo(2);
  const before = (await request(t.app).get('/moderation').expect(200)).text;
  const was = (m: Date, k: string) => rowOf(before, m)[k] ?? 0;

  const [a, b, c, d, e] = await Promise.all([1, 2, 3, 4, 5].map(() => aLetter(t.db, { status: 'draft' })));
  await decide(a.id, 'changes', earlier);
  await decide(a.id, 'approve', earlier);
  await decide(b.id, 'approve', earlier);
  // Approved twice in one month (a second review): one letter.
  await decide(b.id, 'approve', new Date(earlier.getTime() + 3_600_000));
  await decide(c.id, 'reject', earlier, 'duplicate');
  await decide(d.id, 'reject', earlier, 'duplicate');
  await decide(e.id, 'reject', earlier, 'hateful');
  await decide(c.id, 'reject', later, 'unlawful');
  await decide(d.id, 'changes', later);
  // A letter deleted since still counts by its decision.
  await decide(null, 'approve', later);
  // Older than the record's months: not shown.
  await decide(e.id, 'approve', monthsAgo(30));

  const res = await request(t.app).get('/moderation').expect(200);
  const now = (m: Date, k: string) => (rowOf(res.text, m)[k] ?? 0) - was(m, k);
  expect({
    approved: now(earlier, 'approved'),
    changes: now(earlier, 'changes'),
    rejected: now(earlier, 'rejected'),
    duplicate: now(earlier, 'reject-duplicate'),
    hateful: now(earlier, 'reject-hateful'),
    unlawful: now(earlier, 'reject-unlawful'),
  }).toEqual({ approved: 2, changes: 1, rejected: 3, duplicate: 2, hateful: 1, unlawful: 0 });
  expect({
    approved: now(later, 'approved'),
    changes: now(later, 'changes'),
    rejected: now(later, 'rejected'),
    unlawful: now(later, 'reject-unlawful'),
  }).toEqual({ approved: 1, changes: 1, rejected: 1, unlawful: 1 });
  expect(res.text).not.toContain(`data-month="${monthsAgo(30).toISOString().slice(0, 7)}"`);
  expect(res.text).toContain(monthName(earlier, 'en'));
  // The reasons by the catalogue's names, in the reader's language, and the months too.
  expect(res.text).toContain('Rejected: ');
  for (const lang of ['fr', 'ru', 'uk', 'kk'] as const) {
    const page = await request(t.app).get(`/moderation?lang=${lang}`).expect(200);
    expect(page.text).toContain(`<th scope="row">${monthName(earlier, lang)}</th>`);
    expect(page.text).not.toContain(`<th scope="row">${monthName(earlier, 'en')}</th>`);
  }
});

test("/moderation shows the instance's rules and its setting for who may start a letter", async () => {
  const [{ rules_text: old }] = await t.db.query(`SELECT rules_text FROM instance_settings`);
  try {
    await t.db.query(`UPDATE instance_settings SET rules_text = $1`, [
      'Letters must name **who can act**.\n\n<script>x</script>',
    ]);
    const res = await request(t.app).get('/moderation').expect(200);
    expect(res.text).toContain('<strong>who can act</strong>');
    expect(res.text).not.toContain('<script>x');
    expect(res.text).toContain('Only organisers the admins invited can start a letter here');
    const fr = await request(t.app).get('/moderation?lang=fr').expect(200);
    expect(fr.text).toContain('Motifs pour lesquels une lettre peut être refusée');
  } finally {
    await t.db.query(`UPDATE instance_settings SET rules_text = $1`, [old]);
  }
});

test('/moderation is one cached rendering per language: a reader who has it gets a 304', async () => {
  const first = await request(t.app).get('/moderation').expect(200);
  await request(t.app).get('/moderation?unknown=1').set('If-None-Match', first.headers.etag).expect(304);
});
