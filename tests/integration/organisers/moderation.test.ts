import { verifiedCount } from '../../../src/core/letters/counts.service';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import type { Letter } from '../../../src/core/letters/letter.entity';

const t = useTestApp();

async function ownLetter(): Promise<{ b: Browser; letter: Letter; dashboard: string }> {
  const organiser = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, organiser, 'owner', { status: 'open' });
  const b = await signInAs(t.app, t.smtp, organiser.email);
  return { b, letter, dashboard: `/organise/letters/${letter.slug}` };
}

async function countsByCountry(letterId: string): Promise<Record<string, number>> {
  const rows = await t.db.query<Array<{ country: string; n: string }>>(
    `SELECT country, sum(n) AS n FROM (
       SELECT country, verified AS n FROM letter_country_counts WHERE letter_id = $1
       UNION ALL SELECT country, delta FROM signature_count_deltas WHERE letter_id = $1) c GROUP BY country`,
    [letterId],
  );
  return Object.fromEntries(rows.map((r) => [r.country, Number(r.n)]).filter(([, n]) => n !== 0));
}

describe('moderation', () => {
  test('the dashboard shows counts, charts and the signers, and finds them by name, email or city', async () => {
    const { b, letter, dashboard } = await ownLetter();
    await aSignature(t.db, letter, { fullName: 'Мадина Сейткали', country: 'KZ', city: 'Алматы' });
    await aSignature(t.db, letter, {
      fullName: 'Jean Dupont',
      country: 'FR',
      city: 'Lyon',
      email: 'jean.dupont@example.fr',
    });
    await aSignature(t.db, letter, { fullName: 'Pending Person', status: 'pending' });
    const page = await b.agent.get(dashboard).expect(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.text).toMatch(/Verified<\/dt><dd>2/);
    expect(page.text).toMatch(/Pending<\/dt><dd>1/);
    expect(page.text).toContain('67%');
    expect(page.text).toContain('class="chart chart-daily"');
    expect(page.text).toContain('Kazakhstan');
    expect(page.text).toContain('jean.dupont@example.fr');

    const byCity = await b.agent.get(`${dashboard}?q=${encodeURIComponent('алматы')}`).expect(200);
    expect(byCity.text).toContain('Мадина Сейткали');
    expect(byCity.text).not.toContain('Jean Dupont');
    const byEmail = await b.agent.get(`${dashboard}?q=dupont%40example`).expect(200);
    expect(byEmail.text).toContain('Jean Dupont');
    expect(byEmail.text).not.toContain('Мадина Сейткали');
    const wildcard = await b.agent.get(`${dashboard}?q=%25`).expect(200);
    expect(wildcard.text).toContain('0 signatures');
  });

  test('the signature list is paginated 50 a page, newest first', async () => {
    const { b, letter, dashboard } = await ownLetter();
    for (let i = 0; i < 55; i++)
      await aSignature(t.db, letter, { fullName: `Signer number ${String(i).padStart(2, '0')}`, status: 'pending' });
    const first = await b.agent.get(dashboard).expect(200);
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('Signer number 54');
    expect(first.text).not.toContain('Signer number 04');
    const second = await b.agent.get(`${dashboard}?page=2`).expect(200);
    expect(second.text).toContain('Signer number 04');
    expect(second.text).not.toContain('Signer number 54');
  });

  test('hiding a signatory removes them from the public page without changing the count', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const sig = await aSignature(t.db, letter, { fullName: 'Hide Me Please' });
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}`)).text).toContain('Hide Me Please');
    const res = await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/hide`);
    expect(res.status).toBe(303);
    const publicPage = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(publicPage.text).not.toContain('Hide Me Please');
    expect(publicPage.text).toContain('1 verified signature');
    await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/unhide`);
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}`)).text).toContain('Hide Me Please');
  });

  test('invalidating a counted signature drops the count by exactly one and records the reason', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const sig = await aSignature(t.db, letter, { fullName: 'Bot McBotface' });
    await aSignature(t.db, letter);
    const pending = await aSignature(t.db, letter, { status: 'pending' });
    expect(await verifiedCount(t.db, letter.id)).toBe(2);

    const empty = await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      category: 'other',
      reason: '  ',
    });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain(`id="reason-${sig.id}-error"`);
    expect(await verifiedCount(t.db, letter.id)).toBe(2);

    expect(
      (
        await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
          category: 'other',
          reason: 'Automated submission',
        })
      ).status,
    ).toBe(303);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    // Twice is still once.
    await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      category: 'other',
      reason: 'again',
    });
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    // A pending signature was never counted: invalidating it changes nothing in the count.
    await postForm(b, dashboard, `${dashboard}/signatures/${pending.id}/invalidate`, {
      category: 'other',
      reason: 'Never confirmed',
    });
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    const rows = await t.db.query<Array<{ status: string; invalidated_reason: string; invalidated_at: Date | null }>>(
      'SELECT status, invalidated_reason, invalidated_at FROM signatures WHERE id = $1',
      [sig.id],
    );
    expect(rows[0]).toMatchObject({ status: 'invalidated', invalidated_reason: 'Automated submission' });
    expect(rows[0].invalidated_at).not.toBeNull();
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}`)).text).not.toContain('Bot McBotface');
  });

  test('an invalidation needs a category from the list: without one the form comes back with the message beside the select, and nothing changes', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const sig = await aSignature(t.db, letter);
    const page = await b.agent.get(dashboard).expect(200);
    expect(page.text).toContain(`<select id="category-${sig.id}" name="category" required>`);
    expect(page.text).toContain('<option value="duplicate-person">Duplicate of the same person</option>');
    const none = await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      reason: 'Same person twice',
    });
    expect(none.status).toBe(422);
    expect(none.text).toContain(`id="category-${sig.id}-error"`);
    expect(none.text).toContain('Choose the kind of reason.');
    const made = await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      category: 'made-up',
      reason: 'x',
    });
    expect(made.status).toBe(422);
    const domain = await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      domain: 'example.org',
      reason: 'Spam run',
    });
    expect(domain.status).toBe(422);
    expect(domain.text).toContain('id="domain-category-error"');
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    await postForm(b, dashboard, `${dashboard}/signatures/${sig.id}/invalidate`, {
      category: 'duplicate-person',
      reason: 'Same person twice',
    });
    const [row] = await t.db.query<Array<{ invalidated_category: string; invalidated_reason: string }>>(
      'SELECT invalidated_category, invalidated_reason FROM signatures WHERE id = $1',
      [sig.id],
    );
    expect(row).toEqual({ invalidated_category: 'duplicate-person', invalidated_reason: 'Same person twice' });
    // The public report counts the category; the reason stays with the organisers.
    const report = await browser(t.app).agent.get(`/letters/${letter.slug}/integrity`).expect(200);
    expect(report.text).toMatch(/Duplicate of the same person<\/th><td class="num">1</);
    expect(report.text).not.toContain('Same person twice');
  });

  test('the verification funnel shows, by the day of signing, signed, confirmed, rate, held, released, bounced, withdrawn and the median time to confirm', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const today = new Date();
    const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    const created = new Date(Math.max(midnight, today.getTime() - 60 * 60_000));
    const minutes = (m: number) => new Date(created.getTime() + m * 60_000);
    // Signed today: four confirmed after 10, 20, 30 and 50 minutes (median 25), one of them held
    // and released, one still pending, one bounced, one confirmed and then withdrawn.
    await aSignature(t.db, letter, { createdAt: created, confirmedAt: minutes(10) });
    await aSignature(t.db, letter, { createdAt: created, confirmedAt: minutes(20) });
    const held = await aSignature(t.db, letter, {
      createdAt: created,
      confirmedAt: minutes(30),
      heldReason: 'burst-ip',
    });
    await postForm(b, dashboard, `${dashboard}/signatures/${held.id}/release`);
    await aSignature(t.db, letter, { createdAt: created, confirmedAt: minutes(50) });
    await aSignature(t.db, letter, { createdAt: created, status: 'pending' });
    const bounced = await aSignature(t.db, letter, { createdAt: created, status: 'pending' });
    await t.db.query(`UPDATE signatures SET status = 'bounced', bounced_at = now() WHERE id = $1`, [bounced.id]);
    const gone = await aSignature(t.db, letter, { createdAt: created, confirmedAt: minutes(5) });
    await t.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('undersigned.removal', 'withdrawn', true)`);
      await tx.query(`DELETE FROM signatures WHERE id = $1`, [gone.id]);
    });

    const page = await b.agent.get(dashboard).expect(200);
    expect(page.text).toContain('Verification funnel');
    expect(page.text).toContain('class="chart chart-grouped"');
    const row = /<tr>\s*<th scope="row"><time datetime="([0-9-]+)">[\s\S]*?<\/tr>/.exec(page.text);
    expect(row?.[1]).toBe(created.toISOString().slice(0, 10));
    const cells = [...row![0].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    // signed 7, confirmed 5 (the withdrawn one had confirmed), 71%, held 1, released 1, bounced 1, withdrawn 1, median 25 min
    expect(cells).toEqual(['7', '5', '71%', '1', '1', '1', '1', '25 min']);
  });

  test("a signature of another letter cannot be touched through this letter's address", async () => {
    const { b, dashboard } = await ownLetter();
    const other = await aLetterOf(t.db, await anOrganiser(t.db), 'owner', { status: 'open' });
    const foreign = await aSignature(t.db, other);
    const res = await postForm(b, dashboard, `${dashboard}/signatures/${foreign.id}/invalidate`, {
      category: 'other',
      reason: 'x',
    });
    expect(res.status).toBe(404);
    expect(await verifiedCount(t.db, other.id)).toBe(1);
  });

  test('invalidating an email domain removes all its pending and confirmed signatures, with the right count per country', async () => {
    const { b, letter, dashboard } = await ownLetter();
    await aSignature(t.db, letter, { email: 'a1@spam.example', country: 'UA' });
    await aSignature(t.db, letter, { email: 'A2@SPAM.example', country: 'UA' });
    await aSignature(t.db, letter, { email: 'a3@spam.example', country: 'FR' });
    await aSignature(t.db, letter, { email: 'a4@spam.example', country: 'FR', status: 'pending' });
    await aSignature(t.db, letter, { email: 'a5@spam.example', country: 'DE', heldReason: 'burst' });
    await aSignature(t.db, letter, { email: 'real@good.example', country: 'FR' });
    await aSignature(t.db, letter, { email: 'someone@notspam.example', country: 'UA' });
    expect(await verifiedCount(t.db, letter.id)).toBe(5);

    const res = await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      category: 'bulk-bot',
      domain: '@Spam.Example',
      reason: 'Spam run',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${dashboard}?done=domain&n=5`);
    expect(await verifiedCount(t.db, letter.id)).toBe(2);
    expect(await countsByCountry(letter.id)).toEqual({ FR: 1, UA: 1 });
    const left = await t.db.query<Array<{ email: string }>>(
      `SELECT email FROM signatures WHERE letter_id = $1 AND status <> 'invalidated' ORDER BY email`,
      [letter.id],
    );
    expect(left.map((r) => r.email)).toEqual(['real@good.example', 'someone@notspam.example']);
    const page = await b.agent.get(res.headers.location).expect(200);
    expect(page.text).toContain('5 signatures invalidated.');

    const bad = await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      category: 'bulk-bot',
      domain: 'not a domain',
      reason: 'x',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a domain like example.com.');
  });

  test('releasing a held confirmed signature adds it to the count; invalidating a held one changes nothing', async () => {
    const { b, letter, dashboard } = await ownLetter();
    const held = await aSignature(t.db, letter, { fullName: 'Held Confirmed', heldReason: 'disposable-domain' });
    const heldPending = await aSignature(t.db, letter, {
      fullName: 'Held Pending',
      heldReason: 'burst',
      status: 'pending',
    });
    const heldBad = await aSignature(t.db, letter, { fullName: 'Held Bad', heldReason: 'burst' });
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const page = await b.agent.get(dashboard).expect(200);
    expect(page.text).toContain('3 signatures held for review');
    expect(page.text).toContain('disposable-domain');

    expect((await postForm(b, dashboard, `${dashboard}/signatures/${held.id}/release`)).status).toBe(303);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    await postForm(b, dashboard, `${dashboard}/signatures/${held.id}/release`);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    await postForm(b, dashboard, `${dashboard}/signatures/${heldPending.id}/release`);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    await postForm(b, dashboard, `${dashboard}/signatures/${heldBad.id}/invalidate`, {
      category: 'other',
      reason: 'Fake',
    });
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}`)).text).toContain('Held Confirmed');
    const after = await b.agent.get(dashboard).expect(200);
    expect(after.text).not.toContain('held for review</h2>');
  });

  test('a recorded delivery shows on the public letter page', async () => {
    const { b, letter, dashboard } = await ownLetter();
    // A delivery cannot predate the letter: this one was written at the start of the year.
    await t.db.query(`UPDATE letters SET created_at = '2026-01-05T10:00:00Z' WHERE id = $1`, [letter.id]);
    const missing = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: '2026-05-22',
      deliveredTo: '',
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Say to whom the letter was delivered.');
    const res = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: '2026-05-22',
      deliveredTo: 'the Embassy of France in Kyiv',
      deliveryNote: 'Handed over at the gate.',
    });
    expect(res.status).toBe(303);
    const publicPage = await browser(t.app).agent.get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(publicPage.text).toContain('Delivered to the Embassy of France in Kyiv on May 22, 2026.');
    expect(publicPage.text).not.toContain('Handed over at the gate.');
    const json = await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
    expect(json.body.deliveredTo).toBe('the Embassy of France in Kyiv');

    await postForm(b, dashboard, `${dashboard}/delivery`, { deliveredAt: '', deliveredTo: '' });
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}`)).text).not.toContain('Delivered to');
  });
});
