import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { computeTextDiffs } from '../../../src/features/versions/text-diffs.service';
import { versionForEdit } from '../../../src/features/versions/text-versions.service';
import { TASK_TEXT_DIFFS } from '../../../src/features/versions/versions.queue';
import { aLetter, aSignature } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';

// No worker: the tests run the diff job themselves, to see the page before and after it.
const t = useTestApp({}, { worker: false });

/** The longest body the editor accepts. */
const LONG = 100_000;

/** `length` characters of made-up words, the same for the same seed. */
function words(seed: number, length = LONG): string {
  // mulberry32: a small generator whose low bits are as random as its high ones.
  let x = seed >>> 0;
  const next = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let r = Math.imul(x ^ (x >>> 15), 1 | x);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (r ^ (r >>> 14)) >>> 0;
  };
  let out = '';
  while (out.length < length) {
    let w = '';
    const n = 2 + (next() % 9);
    for (let i = 0; i < n; i++) w += String.fromCharCode(97 + (next() % 26));
    out += `${w} `;
  }
  return out.slice(0, length);
}

/** What the editor does when a text changes: versionForEdit (which queues the diff job) and the new words, in one transaction. */
async function changeText(letter: Letter, body: string): Promise<number> {
  return t.db.transaction(async (tx) => {
    const current = await tx.getRepository(LetterTranslation).findOneByOrFail({ letterId: letter.id, language: 'en' });
    const decision = await versionForEdit(tx, current, { title: current.title, body });
    await tx
      .getRepository(LetterTranslation)
      .update(
        { letterId: letter.id, language: 'en' },
        { body, textVersion: decision.version, textVersionAt: decision.versionAt },
      );
    return decision.version;
  });
}

async function queuedDiffJobs(letter: Letter): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id
      WHERE k.identifier = $1 AND j.payload->>'letterId' = $2`,
    [TASK_TEXT_DIFFS, letter.id],
  );
  return Number(row?.n);
}

async function storedDiffs(letter: Letter): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM text_diffs WHERE letter_id = $1`, [
    letter.id,
  ]);
  return Number(row?.n);
}

/**
 * The diff page and the CPU this process spent answering it (the client runs here too): the
 * cheapest of three requests, since the first of a run compiles code paths the others reuse and
 * a collection of what earlier tests left can fall into any one of them. A page that computed
 * the diff would pay for it on every request (about a second for these texts).
 */
async function diffPage(letter: Letter, from = 1, to = 2) {
  const runs: Array<{ text: string; cpuMs: number }> = [];
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage();
    const res = await browser(t.app)
      .agent.get(`/letters/${letter.slug}/diff?lang=en&from=${from}&to=${to}`)
      .expect(200);
    const used = process.cpuUsage(before);
    runs.push({ text: res.text, cpuMs: (used.user + used.system) / 1000 });
  }
  return runs.sort((a, b) => a.cpuMs - b.cpuMs)[0];
}

/** A letter whose English text was `v1`, then signed, then changed to `v2`. */
async function changedLetter(v1: string, v2: string): Promise<Letter> {
  const letter = await aLetter(t.db);
  await changeText(letter, v1);
  await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
  expect(await changeText(letter, v2)).toBe(2);
  return letter;
}

const BUDGET_MS = 50;

describe('the word diff is computed once, by a job, never by the page', () => {
  test('two different 100,000-character texts: the page costs little before and after the job, which keeps the process responsive and gives up at its cap', async () => {
    const letter = await changedLetter(words(1), words(2));
    expect(await queuedDiffJobs(letter)).toBe(1);

    // Before the job: the comparison is being prepared; both texts are linked; nothing is computed or stored.
    const early = await diffPage(letter);
    expect(early.text).toContain('The comparison of these two versions is being prepared.');
    expect(early.text).toContain(`/letters/${letter.slug}/versions/1?lang=en`);
    expect(early.text).toContain(`/letters/${letter.slug}/versions/2?lang=en`);
    expect(early.cpuMs).toBeLessThan(BUDGET_MS);
    expect(await storedDiffs(letter)).toBe(0);

    // The job, while the process answers other requests (the first of which, compiling its code
    // paths, is made before).
    await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = Date.now();
    let running = true;
    const job = computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' }).finally(() => (running = false));
    const answers: number[] = [];
    while (running) {
      const sent = Date.now();
      await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
      answers.push(Date.now() - sent);
    }
    expect(await job).toBe(1);
    const jobMs = Date.now() - started;
    lag.disable();
    const maxLagMs = lag.max / 1e6;
    const slowest = Math.max(...answers);
    process.stdout.write(
      `diff job of two ${LONG}-character texts: ${jobMs} ms; meanwhile ${answers.length} letter JSON requests, slowest ${slowest} ms; event loop delay max ${maxLagMs.toFixed(0)} ms; page before the job ${early.cpuMs.toFixed(1)} ms CPU\n`,
    );
    // On the event loop, the job would hold every request for its whole length.
    expect(answers.length).toBeGreaterThan(1);
    expect(slowest).toBeLessThan(jobMs / 4);
    expect(maxLagMs).toBeLessThan(jobMs / 4);

    // After the job: too different to compare word by word; both texts linked; still cheap.
    const late = await diffPage(letter);
    expect(late.text).toContain('These two versions are too different to compare word by word.');
    expect(late.text).toContain(`/letters/${letter.slug}/versions/1?lang=en`);
    expect(late.text).toContain(`/letters/${letter.slug}/versions/2?lang=en`);
    expect(late.text).not.toContain('<del>');
    expect(late.cpuMs).toBeLessThan(BUDGET_MS);
    process.stdout.write(`diff page after the job: ${late.cpuMs.toFixed(1)} ms CPU\n`);
    // In every language.
    const uk = await browser(t.app).agent.get(`/letters/${letter.slug}/diff?lang=uk&from=1&to=2`).expect(200);
    expect(uk.text).toContain('Ці дві версії надто різні');
  }, 120_000);

  test('a 100,000-character text with a few words changed: the stored diff is shown word by word, cheaply', async () => {
    const v1 = words(3);
    // Three words replaced, the length kept.
    const v2 = v1
      .split(' ')
      .map((w, i) =>
        [100, 5000, 10000].includes(i) ? 'justice'.padEnd(w.length, '!').slice(0, Math.max(w.length, 7)) : w,
      )
      .join(' ')
      .slice(0, LONG);
    const letter = await changedLetter(v1, v2);
    expect(await computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' })).toBe(1);
    const page = await diffPage(letter);
    const added = [
      ...page.text.matchAll(
        /<ins><span class="visually-hidden">\[added: <\/span>(justice!*)<span class="visually-hidden">\]<\/span><\/ins>/g,
      ),
    ];
    expect(added.map((m) => m[1].slice(0, 7))).toEqual(['justice', 'justice', 'justice']);
    expect(page.text).toMatch(/Words removed: \d+\. Words added: \d+\./);
    expect(page.cpuMs).toBeLessThan(BUDGET_MS);
    process.stdout.write(`diff page of a compared pair of ${LONG}-character texts: ${page.cpuMs.toFixed(1)} ms CPU\n`);
    // Run again, the job finds nothing left to compare.
    expect(await computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' })).toBe(0);
  });

  test('the current text changed in place: the old diff is not shown, the job compares the new words', async () => {
    const letter = await changedLetter('We ask for justice.', 'We demand justice.');
    await computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' });
    expect((await diffPage(letter)).text).toMatch(/\[added: <\/span>demand/);
    // Nobody signed version 2 yet: a change is made in place, and queues the comparison again.
    expect(await changeText(letter, 'We require justice.')).toBe(2);
    expect(await queuedDiffJobs(letter)).toBe(1);
    expect((await diffPage(letter)).text).toContain('is being prepared');
    expect(await computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' })).toBe(1);
    const page = (await diffPage(letter)).text;
    expect(page).toMatch(/\[added: <\/span>require/);
    expect(page).not.toContain('demand');
  });

  test('a third version is compared with both earlier ones, so every link (the list, the email, "since") finds its diff', async () => {
    const letter = await changedLetter('One two three.', 'One two four.');
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 2 });
    expect(await changeText(letter, 'One five four.')).toBe(3);
    expect(await computeTextDiffs(t.ctx, { letterId: letter.id, language: 'en' })).toBe(3);
    expect((await diffPage(letter, 1, 3)).text).toMatch(/\[added: <\/span>five/);
    expect((await diffPage(letter, 2, 3)).text).toMatch(/\[removed: <\/span>two/);
  });
});
