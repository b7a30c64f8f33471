import type { FeatureJobs } from '../../../src/platform/mail/queue';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { organiserJobs } from '../../../src/features/organisers/tasks';
import { issueSignatureTokens } from '../../../src/core/tokens/tokens';
import { confirmByLink } from '../../support/journey';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import type { Mailer } from '../../../src/platform/mail/mailer';

const t = useTestApp();

async function ownLetter(role: 'owner' | 'editor' = 'owner'): Promise<{ b: Browser; letter: Letter; held: string }> {
  const organiser = await anOrganiser(t.db, { name: 'Queue Keeper' });
  const letter = await aLetterOf(t.db, organiser, role, { status: 'open' });
  const b = await signInAs(t.app, t.smtp, organiser.email);
  return { b, letter, held: `/organise/letters/${letter.slug}/held` };
}

/**
 * `n` held signatures written in one statement (a viral day's queue is too big for one factory
 * call each): countries cycle through `countries`, addresses are unique under `domain`.
 */
async function heldRows(
  letterId: string,
  n: number,
  o: {
    reason?: string;
    status?: 'pending' | 'confirmed';
    domain?: string;
    origin?: string;
    countries?: string[];
    createdAt?: Date;
    solved?: boolean;
    /** Challenge mode was on when the signature was taken (by default: when it came solved). */
    challengeMode?: boolean;
  } = {},
): Promise<void> {
  const countries = o.countries ?? ['UA'];
  const domain = o.domain ?? `bulk-${Math.random().toString(36).slice(2, 8)}.test`;
  const status = o.status ?? 'confirmed';
  const tag = Math.random().toString(36).slice(2, 8);
  await t.db.query(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status, origin_hash,
                             held_reason, created_at, confirmed_at, challenge_solved, challenge_mode)
     SELECT $1, 'Bot ' || i, $10 || i || '@' || $3, $10 || i || '@' || $3, ($4::text[])[1 + (i % cardinality($4::text[]))], 'private', 'en', $5::text,
            $6, $7, $8::timestamptz, CASE WHEN $5::text = 'confirmed' THEN $8::timestamptz END, $9, $11
       FROM generate_series(1, $2) AS i`,
    [
      letterId,
      n,
      domain,
      countries,
      status,
      o.origin ?? 'a'.repeat(32),
      o.reason ?? 'burst-ip',
      o.createdAt ?? new Date(),
      o.solved ?? false,
      `b${tag}-`,
      o.challengeMode ?? o.solved ?? false,
    ],
  );
}

/** The groups on a rendered page, in order: each row's key (from its form) and its size. */
function groupsOn(html: string): Array<{ key: string; total: number }> {
  const rows = [...html.matchAll(/<tr>\s*<th scope="row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
  return rows.map((row) => ({
    key: /name="key" value="([^"]*)"/.exec(row)![1].replace(/&amp;/g, '&'),
    total: Number(/<td class="num">([\d,\s]+)<\/td>/.exec(row)![1].replace(/\D/g, '')),
  }));
}

async function auditOf(
  letterId: string,
  kind: string,
): Promise<Array<{ actor_id: string | null; actor_name: string | null; detail: Record<string, unknown> }>> {
  // The erasable part of the detail (a note, a mail domain) is kept in audit_details.
  return t.db.query(
    `SELECT e.actor_id, e.actor_name, e.detail || coalesce(d.detail, '{}'::jsonb) AS detail
       FROM audit_events e LEFT JOIN audit_details d ON d.id = e.detail_id
      WHERE e.letter_id = $1 AND e.kind = $2 ORDER BY e.created_at`,
    [letterId, kind],
  );
}

async function heldCount(letterId: string): Promise<number> {
  const [r] = await t.db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM signatures WHERE letter_id = $1 AND held_reason IS NOT NULL AND status <> 'invalidated'`,
    [letterId],
  );
  return Number(r.n);
}

describe('the grouped held queue', () => {
  test('groups held signatures by reason, network, domain, 10-minute window and confirmation, largest first, with counts', async () => {
    const { b, letter, held } = await ownLetter();
    const base = new Date(Date.UTC(2026, 10, 29, 14, 3));
    await heldRows(letter.id, 7, {
      reason: 'burst-ip',
      domain: 'botnet.test',
      origin: 'f'.repeat(32),
      createdAt: base,
    });
    await heldRows(letter.id, 3, {
      reason: 'burst-ip',
      domain: 'botnet.test',
      origin: 'e'.repeat(32),
      status: 'pending',
      createdAt: new Date(base.getTime() + 12 * 60_000),
    });
    await heldRows(letter.id, 2, {
      reason: 'disposable-domain',
      domain: 'mailinator.com',
      origin: 'e'.repeat(32),
      createdAt: new Date(base.getTime() + 12 * 60_000),
    });
    await aSignature(t.db, letter, { fullName: 'Counted Person' });
    await aSignature(t.db, letter, { heldReason: 'burst-ip', status: 'invalidated' });

    const byReason = await b.agent.get(held).expect(200);
    expect(byReason.headers['cache-control']).toContain('no-store');
    expect(groupsOn(byReason.text)).toEqual([
      { key: 'burst-ip', total: 10 },
      { key: 'disposable-domain', total: 2 },
    ]);
    expect(byReason.text).toContain('Many signatures from one network within a minute');
    expect(byReason.text).toMatch(/Held<\/dt><dd>12</);

    const byDomain = await b.agent.get(`${held}?by=domain`).expect(200);
    expect(groupsOn(byDomain.text)).toEqual([
      { key: 'botnet.test', total: 10 },
      { key: 'mailinator.com', total: 2 },
    ]);

    const byWindow = await b.agent.get(`${held}?by=window`).expect(200);
    expect(groupsOn(byWindow.text)).toEqual([
      { key: '2026-11-29T14:00Z', total: 7 },
      { key: '2026-11-29T14:10Z', total: 5 },
    ]);

    const byConfirmation = await b.agent.get(`${held}?by=confirmation`).expect(200);
    expect(groupsOn(byConfirmation.text)).toEqual([
      { key: 'confirmed', total: 9 },
      { key: 'pending', total: 3 },
    ]);

    // Networks: two groups (7, and 3 + 2 from the other one), each a short opaque label; neither
    // the stored hash nor any address is on the page.
    const byNetwork = await b.agent.get(`${held}?by=network`).expect(200);
    const networks = groupsOn(byNetwork.text);
    expect(networks.map((g) => g.total)).toEqual([7, 5]);
    for (const g of networks) expect(g.key).toMatch(/^[0-9a-f]{12}$/);
    expect(byNetwork.text).not.toContain('f'.repeat(32));
    expect(byNetwork.text).not.toContain('e'.repeat(16));
    expect(byNetwork.text).not.toContain('127.0.0.1');
    expect(byNetwork.text).not.toMatch(/@botnet\.test/);

    // The same network on another letter has another label.
    const other = await ownLetter();
    await heldRows(other.letter.id, 1, { origin: 'f'.repeat(32) });
    const [otherKey] = groupsOn((await other.b.agent.get(`${other.held}?by=network`).expect(200)).text);
    expect(networks.map((g) => g.key)).not.toContain(otherKey.key);

    // The dashboard links to the queue.
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toContain(`href="${held}"`);
  });

  test('releasing a group of 5,000 takes one request and one transaction, with one count delta row per country', async () => {
    const { b, letter, held } = await ownLetter();
    const countries = ['UA', 'FR', 'KZ'];
    await heldRows(letter.id, 5000, { reason: 'sustained-domain', countries });
    await heldRows(letter.id, 40, { reason: 'sustained-domain', status: 'pending' });
    await heldRows(letter.id, 25, { reason: 'burst-email' });
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    // The worker folds deltas away every 200 ms: a trigger keeps a copy of the rows this letter gets.
    await t.db.query(
      `CREATE TABLE IF NOT EXISTS held_queue_test_deltas (letter_id uuid, country text, delta int, xid xid8 DEFAULT pg_current_xact_id())`,
    );
    await t.db.query(`CREATE OR REPLACE FUNCTION held_queue_test_copy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO held_queue_test_deltas (letter_id, country, delta) VALUES (NEW.letter_id, NEW.country, NEW.delta); RETURN NEW; END $$`);
    const trigger = `held_queue_test_${letter.id.replace(/-/g, '')}`;
    await t.db.query(`CREATE TRIGGER ${trigger} AFTER INSERT ON signature_count_deltas FOR EACH ROW
      WHEN (NEW.letter_id = '${letter.id}') EXECUTE FUNCTION held_queue_test_copy()`);
    try {
      const res = await postForm(b, held, `${held}/decide`, {
        by: 'reason',
        key: 'sustained-domain',
        decision: 'release',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`${held}?by=reason&done=release&n=5040`);
    } finally {
      await t.db.query(`DROP TRIGGER ${trigger} ON signature_count_deltas`);
    }

    const deltas = await t.db.query<Array<{ country: string; delta: number; xid: string }>>(
      `SELECT country, delta, xid::text AS xid FROM held_queue_test_deltas WHERE letter_id = $1 ORDER BY country`,
      [letter.id],
    );
    expect(deltas.length).toBeLessThanOrEqual(countries.length);
    expect(deltas.map((d) => [d.country, d.delta])).toEqual([
      ['FR', 1667],
      ['KZ', 1667],
      ['UA', 1666],
    ]);
    expect(await verifiedCount(t.db, letter.id)).toBe(5000);
    // Every changed row, the deltas and the audit event were written by one transaction.
    const [released] = await t.db.query<Array<{ n: string; xids: string; at: string }>>(
      `SELECT count(*) AS n, count(DISTINCT xmin::text) AS xids, count(DISTINCT released_at) AS at
         FROM signatures WHERE letter_id = $1 AND released_at IS NOT NULL AND held_reason IS NULL`,
      [letter.id],
    );
    expect(released).toEqual({ n: '5040', xids: '1', at: '1' });
    const [rowXid] = await t.db.query<Array<{ x: string }>>(
      `SELECT xmin::text AS x FROM signatures WHERE letter_id = $1 AND released_at IS NOT NULL LIMIT 1`,
      [letter.id],
    );
    const [auditXid] = await t.db.query<Array<{ x: string }>>(
      `SELECT xmin::text AS x FROM audit_events WHERE letter_id = $1 AND kind = 'abuse.group-released'`,
      [letter.id],
    );
    expect(auditXid.x).toBe(rowXid.x);
    expect(new Set(deltas.map((d) => String(BigInt(d.xid) & 0xffffffffn)))).toEqual(new Set([rowXid.x]));
    // The rest of the queue is untouched; the audit trail says who, which group and how many.
    expect(await heldCount(letter.id)).toBe(25);
    const [event] = await auditOf(letter.id, 'abuse.group-released');
    expect(event).toMatchObject({
      actor_name: 'Queue Keeper',
      detail: { by: 'reason', key: 'sustained-domain', count: 5040, counted: 5000 },
    });
    expect(event.actor_id).toMatch(/^[0-9a-f-]{36}$/);
    const page = await b.agent.get(`${held}?by=reason&done=release&n=5040`).expect(200);
    expect(page.text).toContain('5,040 signatures released.');

    // A pending one released now counts when it is confirmed, as any signature does.
    const [pending] = await t.db.query<Array<{ held_reason: string | null; status: string }>>(
      `SELECT held_reason, status FROM signatures WHERE letter_id = $1 AND status = 'pending' LIMIT 1`,
      [letter.id],
    );
    expect(pending).toEqual({ held_reason: null, status: 'pending' });
  });

  test('an invalidated group never counts: it leaves the queue with its category, and a later release finds nothing', async () => {
    const { b, letter, held } = await ownLetter();
    await heldRows(letter.id, 30, { reason: 'burst-domain', domain: 'spam-farm.test', countries: ['UA', 'PL'] });
    await heldRows(letter.id, 4, { reason: 'burst-domain', domain: 'spam-farm.test', status: 'pending' });
    await heldRows(letter.id, 2, { reason: 'burst-domain', domain: 'real-university.test' });

    const refused = await postForm(b, held, `${held}/decide`, {
      by: 'domain',
      key: 'spam-farm.test',
      decision: 'invalidate',
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choose a category to invalidate these signatures.');
    expect(await heldCount(letter.id)).toBe(36);

    const res = await postForm(b, `${held}?by=domain`, `${held}/decide`, {
      by: 'domain',
      key: 'spam-farm.test',
      decision: 'invalidate',
      category: 'bulk-bot',
      note: 'one farm, 34 addresses',
    });
    expect(res.status).toBe(303);
    const rows = await t.db.query<
      Array<{ status: string; invalidated_category: string; invalidated_reason: string; n: string }>
    >(
      `SELECT status, invalidated_category, invalidated_reason, count(*) AS n FROM signatures
        WHERE letter_id = $1 AND email_normalised LIKE '%@spam-farm.test' GROUP BY 1, 2, 3`,
      [letter.id],
    );
    expect(rows).toEqual([
      {
        status: 'invalidated',
        invalidated_category: 'bulk-bot',
        invalidated_reason: 'one farm, 34 addresses',
        n: '34',
      },
    ]);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);

    // Releasing the same group afterwards finds no held signature in it; a single release neither.
    const again = await postForm(b, held, `${held}/decide`, {
      by: 'domain',
      key: 'spam-farm.test',
      decision: 'release',
    });
    expect(again.headers.location).toContain('n=0');
    const [one] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM signatures WHERE letter_id = $1 AND status = 'invalidated' LIMIT 1`,
      [letter.id],
    );
    await postForm(
      b,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/signatures/${one.id}/release`,
    );
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    expect(await heldCount(letter.id)).toBe(2);
    const [event] = await auditOf(letter.id, 'abuse.group-invalidated');
    expect(event.detail).toEqual({
      by: 'domain',
      key: 'spam-farm.test',
      count: 34,
      category: 'bulk-bot',
      note: 'one farm, 34 addresses',
    });
    expect(await auditOf(letter.id, 'abuse.group-released')).toEqual([]);
  });

  test('signers confirming while their group is released are each counted exactly once', async () => {
    const { b, letter, held } = await ownLetter();
    const sigs = await Promise.all(
      Array.from({ length: 20 }, () =>
        aSignature(t.db, letter, { status: 'pending', heldReason: 'burst-domain', country: 'KZ' }),
      ),
    );
    const links = await Promise.all(
      sigs.map(
        async (s) =>
          `/s/confirm/${(await issueSignatureTokens(t.db, s.id, [{ purpose: 'confirm', ttlHours: 24 }]))[0]}`,
      ),
    );
    const csrf = await b.csrfFrom(held);
    const [decided, ...confirmed] = await Promise.all([
      b.agent
        .post(`${held}/decide`)
        .type('form')
        .send({ _csrf: csrf, by: 'reason', key: 'burst-domain', decision: 'release' }),
      ...links.map((link) => confirmByLink(t.app, link)),
    ]);
    expect(decided.status).toBe(303);
    expect(confirmed.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await heldCount(letter.id)).toBe(0);
    expect(await verifiedCount(t.db, letter.id)).toBe(20);
  });

  test('keeping a group held changes nothing but is recorded', async () => {
    const { b, letter, held } = await ownLetter();
    await heldRows(letter.id, 6, { reason: 'sustained-ip' });
    const res = await postForm(b, held, `${held}/decide`, { by: 'confirmation', key: 'confirmed', decision: 'leave' });
    expect(res.status).toBe(303);
    expect(await heldCount(letter.id)).toBe(6);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const [event] = await auditOf(letter.id, 'abuse.group-left');
    expect(event.detail).toEqual({ by: 'confirmation', key: 'confirmed', count: 6 });
    const page = await b.agent.get(`${held}?by=confirmation`).expect(200);
    expect(page.text).toMatch(/<td class="num">6<\/td>\s*<td class="num">0<\/td>\s*<td class="num">6<\/td>/);
  });
});

describe('the automatic release rule', () => {
  function releaseChore(): () => Promise<unknown> {
    const jobs: FeatureJobs = organiserJobs({ ctx: t.ctx, mailer: {} as Mailer });
    const chore = (jobs.chores ?? []).find((c) => c.failure === 'held release rule failed');
    if (!chore) throw new Error("the organisers' jobs register no release rule");
    return () => chore.run();
  }

  async function oneHeld(
    letterId: string,
    o: { domain: string; status?: 'pending' | 'confirmed'; solved: boolean },
  ): Promise<void> {
    await heldRows(letterId, 1, {
      reason: 'burst-ip',
      domain: o.domain,
      status: o.status ?? 'confirmed',
      solved: o.solved,
      countries: ['FR'],
    });
  }

  async function heldDomains(letterId: string): Promise<string[]> {
    const rows = await t.db.query<Array<{ d: string }>>(
      `SELECT split_part(email_normalised, '@', 2) AS d FROM signatures WHERE letter_id = $1 AND held_reason IS NOT NULL ORDER BY 1`,
      [letterId],
    );
    return rows.map((r) => r.d);
  }

  test('releases confirmed signatures with a solved challenge N minutes after confirmation, unless an organiser kept their group held', async () => {
    const { b, letter, held } = await ownLetter();
    // Every candidate is confirmed just now, so the worker's own runs cannot release any yet.
    await oneHeld(letter.id, { domain: 'due.test', solved: true });
    await oneHeld(letter.id, { domain: 'recent.test', solved: true });
    await oneHeld(letter.id, { domain: 'unsolved.test', solved: false });
    await oneHeld(letter.id, { domain: 'pending.test', status: 'pending', solved: true });
    await oneHeld(letter.id, { domain: 'objected.test', solved: true });

    const rule = await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes: '30' });
    expect(rule.status).toBe(303);
    expect((await b.agent.get(held).expect(200)).text).toContain('On: released 30 minutes after confirmation.');
    const kept = await postForm(b, held, `${held}/decide`, { by: 'domain', key: 'objected.test', decision: 'leave' });
    expect(kept.status).toBe(303);

    const run = releaseChore();
    await run();
    expect(await heldDomains(letter.id)).toEqual([
      'due.test',
      'objected.test',
      'pending.test',
      'recent.test',
      'unsolved.test',
    ]);

    // 31 minutes pass for all but one.
    await t.db.query(
      `UPDATE signatures SET confirmed_at = now() - interval '31 minutes', created_at = now() - interval '32 minutes'
        WHERE letter_id = $1 AND split_part(email_normalised, '@', 2) <> 'recent.test'`,
      [letter.id],
    );
    await t.db.query(
      `UPDATE signatures SET confirmed_at = now() - interval '29 minutes' WHERE letter_id = $1 AND split_part(email_normalised, '@', 2) = 'recent.test'`,
      [letter.id],
    );
    await run();
    expect(await heldDomains(letter.id)).toEqual(['objected.test', 'pending.test', 'recent.test', 'unsolved.test']);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    const [released] = await t.db.query<Array<{ released_at: Date | null }>>(
      `SELECT released_at FROM signatures WHERE letter_id = $1 AND email_normalised LIKE '%@due.test'`,
      [letter.id],
    );
    expect(released.released_at).toBeInstanceOf(Date);
    const events = await auditOf(letter.id, 'abuse.auto-released');
    expect(events).toEqual([{ actor_id: null, actor_name: null, detail: { count: 1, minutes: 30 } }]);
    expect((await auditOf(letter.id, 'abuse.auto-release-on'))[0]).toMatchObject({
      actor_name: 'Queue Keeper',
      detail: { minutes: 30 },
    });

    // Another run finds nothing more to do.
    await run();
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    expect(await auditOf(letter.id, 'abuse.auto-released')).toHaveLength(1);
  });

  /** A letter whose rule (one minute) is on, and a chore run after every candidate's minute has passed. */
  async function ruleOn(): Promise<{ letter: Letter; due: () => Promise<void> }> {
    const { b, letter, held } = await ownLetter();
    expect((await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes: '1' })).status).toBe(303);
    return {
      letter,
      due: async () => {
        await t.db.query(
          `UPDATE signatures SET confirmed_at = now() - interval '2 minutes' WHERE letter_id = $1 AND status = 'confirmed'`,
          [letter.id],
        );
      },
    };
  }

  async function releasedBy(letterId: string, column: 'origin_hash' | 'domain'): Promise<Record<string, number>> {
    const expr = column === 'domain' ? `split_part(email_normalised, '@', 2)` : column;
    const rows = await t.db.query<Array<{ k: string; n: number }>>(
      `SELECT ${expr} AS k, count(*)::int AS n FROM signatures WHERE letter_id = $1 AND released_at IS NOT NULL GROUP BY 1`,
      [letterId],
    );
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  test('releases only holds a person would release unseen: never a disposable address, a burst at one domain or a missing challenge', async () => {
    const { letter, due } = await ruleOn();
    const reasons = [
      'burst-ip',
      'sustained-ip',
      'burst-email',
      'sustained-email',
      'burst-domain',
      'sustained-domain',
      'disposable-domain',
      'challenge-missing',
    ];
    for (const [i, reason] of reasons.entries()) {
      await heldRows(letter.id, 1, { reason, solved: true, origin: String(i).repeat(32), domain: `${reason}.test` });
    }
    await due();
    await releaseChore()();
    expect(await heldDomains(letter.id)).toEqual([
      'burst-domain.test',
      'challenge-missing.test',
      'disposable-domain.test',
      'sustained-domain.test',
    ]);
    expect(await verifiedCount(t.db, letter.id)).toBe(4);
  });

  test('a solution counts only when challenge mode was on as it was checked', async () => {
    const { letter, due } = await ruleOn();
    await heldRows(letter.id, 1, { solved: true, challengeMode: false, domain: 'mode-off.test' });
    await heldRows(letter.id, 1, { solved: true, challengeMode: true, domain: 'mode-on.test', origin: 'b'.repeat(32) });
    await due();
    await releaseChore()();
    expect(await heldDomains(letter.id)).toEqual(['mode-off.test']);
  });

  test('releases at most the per-network and per-domain caps in an hour; the rest wait for the next hour or an organiser', async () => {
    const { letter, due } = await ruleOn();
    const perNetwork = t.ctx.config.AUTO_RELEASE_PER_NETWORK_PER_HOUR;
    const perDomain = t.ctx.config.AUTO_RELEASE_PER_DOMAIN_PER_HOUR;
    const network = 'c'.repeat(32);
    // One network, each signer at a domain of their own; one domain, each signer on a network of their own.
    for (let i = 0; i < perNetwork + 3; i += 1)
      await heldRows(letter.id, 1, { solved: true, origin: network, domain: `own-${i}.test` });
    for (let i = 0; i < perDomain + 2; i += 1)
      await heldRows(letter.id, 1, { solved: true, origin: `d${String(i).padStart(31, '0')}`, domain: 'shared.test' });
    await due();

    // Two workers at once release no more than one would.
    await Promise.all([releaseChore()(), releaseChore()()]);
    expect((await releasedBy(letter.id, 'origin_hash'))[network]).toBe(perNetwork);
    expect((await releasedBy(letter.id, 'domain'))['shared.test']).toBe(perDomain);
    expect(await verifiedCount(t.db, letter.id)).toBe(perNetwork + perDomain);
    await releaseChore()();
    expect(await verifiedCount(t.db, letter.id)).toBe(perNetwork + perDomain);

    // An hour later the rest go.
    await t.db.query(
      `UPDATE signatures SET released_at = released_at - interval '61 minutes' WHERE letter_id = $1 AND released_at IS NOT NULL`,
      [letter.id],
    );
    await releaseChore()();
    expect(await heldCount(letter.id)).toBe(0);
    expect(await verifiedCount(t.db, letter.id)).toBe(perNetwork + 3 + perDomain + 2);
  });

  test('a letter without the rule, or with it turned off, keeps its held signatures', async () => {
    const { b, letter, held } = await ownLetter();
    await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes: '5' });
    await postForm(b, held, `${held}/auto-release`, { minutes: '5' });
    expect((await b.agent.get(held).expect(200)).text).toContain('Off: held signatures wait for a decision.');
    await heldRows(letter.id, 3, { solved: true, createdAt: new Date(Date.now() - 3_600_000) });
    await t.db.query(`UPDATE signatures SET confirmed_at = now() - interval '1 hour' WHERE letter_id = $1`, [
      letter.id,
    ]);
    await releaseChore()();
    expect(await heldCount(letter.id)).toBe(3);
    expect(await auditOf(letter.id, 'abuse.auto-release-off')).toHaveLength(1);
  });

  test('the rule wants 1 to 10080 minutes', async () => {
    const { b, held } = await ownLetter();
    for (const minutes of ['0', '10081', 'soon', '']) {
      const res = await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes });
      expect([minutes, res.status]).toEqual([minutes, 422]);
      expect(res.text).toContain('Enter a number of minutes from 1 to 10080.');
    }
  });
});

describe('who may decide', () => {
  test('an editor decides on groups as in the rest of moderation, but only owners set the release rule', async () => {
    const { b, letter, held } = await ownLetter('editor');
    await heldRows(letter.id, 4, { reason: 'burst-email' });
    const page = await b.agent.get(held).expect(200);
    expect(page.text).toContain('owners can change this rule.');
    expect(page.text).not.toContain(`action="${held}/auto-release"`);
    const rule = await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes: '10' });
    expect(rule.status).toBe(403);
    expect(await t.db.query(`SELECT 1 FROM held_release_rules WHERE letter_id = $1`, [letter.id])).toEqual([]);
    const res = await postForm(b, held, `${held}/decide`, { by: 'reason', key: 'burst-email', decision: 'release' });
    expect(res.status).toBe(303);
    expect(await verifiedCount(t.db, letter.id)).toBe(4);
  });

  test('an organiser of another letter gets 404 and changes nothing; a stranger is sent to sign in', async () => {
    const owner = await ownLetter();
    await heldRows(owner.letter.id, 3, { reason: 'burst-email' });
    const other = await ownLetter();
    expect((await owner.b.agent.get(owner.held)).status).toBe(200);
    expect((await other.b.agent.get(owner.held)).status).toBe(404);
    for (const [path, form] of [
      [`${owner.held}/decide`, { by: 'reason', key: 'burst-email', decision: 'release' }],
      [`${owner.held}/auto-release`, { enabled: 'on', minutes: '1' }],
    ] as const) {
      const res = await postForm(other.b, '/organise', path, form);
      expect([path, res.status]).toEqual([path, 404]);
    }
    const anonymous = await browser(t.app).agent.get(owner.held);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login');
    expect(await heldCount(owner.letter.id)).toBe(3);
  });

  test('a decision without a valid CSRF token is refused with 403 and changes nothing', async () => {
    const { b, letter, held } = await ownLetter();
    await heldRows(letter.id, 3, { reason: 'burst-email' });
    const form = { by: 'reason', key: 'burst-email', decision: 'release' };
    expect((await b.agent.post(`${held}/decide`).type('form').send(form)).status).toBe(403);
    expect(
      (
        await b.agent
          .post(`${held}/decide`)
          .type('form')
          .send({ ...form, _csrf: 'forged.value' })
      ).status,
    ).toBe(403);
    expect(await heldCount(letter.id)).toBe(3);
    expect(await auditOf(letter.id, 'abuse.group-released')).toEqual([]);
    // The same form with the page's token goes through.
    expect((await postForm(b, held, `${held}/decide`, form)).status).toBe(303);
    expect(await heldCount(letter.id)).toBe(0);
  });
});
