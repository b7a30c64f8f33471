import { verifiedCount } from '../../../src/core/letters/counts.service';
import { applyRetention } from '../../../src/features/privacy/retention.service';
import { issueSignatureTokens } from '../../../src/core/tokens';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { aLetter, anEmail, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

/** Signs `letter` as `email` and answers the signature's id. */
async function signedAs(letter: Letter, email: string): Promise<string> {
  expect((await sign(t.app, letter.slug, signForm({ email }))).status).toBe(303);
  const [row] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM signatures WHERE email = $1`, [email]);
  return row.id;
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!done(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

const statusOf = async (id: string) =>
  (
    await t.db.query<Array<{ status: string; bounced_at: Date | null }>>(
      `SELECT status, bounced_at FROM signatures WHERE id = $1`,
      [id],
    )
  )[0];

const confirmJob = async (id: string) =>
  (
    await t.db.query<Array<{ attempts: number; last_error: string | null }>>(
      `SELECT attempts, last_error FROM graphile_worker._private_jobs WHERE payload->>'signatureId' = $1 AND payload->>'kind' = 'confirm'`,
      [id],
    )
  )[0];

describe('bounces', () => {
  test('a 550 from the mail server marks the signature bounced: no retry, never confirmed, never counted, erased after the retention period', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('no-such-mailbox');
    t.smtp.refuseRecipient((a) => a === email);
    let id: string;
    try {
      id = await signedAs(letter, email);
      const row = await until(
        () => statusOf(id),
        (r) => r.status === 'bounced',
      );
      expect(row.status).toBe('bounced');
      expect(row.bounced_at).toBeInstanceOf(Date);
    } finally {
      t.smtp.refuseRecipient(null);
    }
    // The job ended: nothing left to retry, no error (and no address) stored in the queue. The
    // worker marks the signature inside the job and removes the job when it returns, a moment later.
    expect(
      await until(
        () => confirmJob(id),
        (j) => j === undefined,
      ),
    ).toBeUndefined();
    expect(t.smtp.to(email)).toHaveLength(0);

    // A confirmation link that did reach the person (an earlier message, say) cannot confirm it.
    const [token] = await issueSignatureTokens(t.db, id, [{ purpose: 'confirm', ttlHours: 24 }]);
    const page = await browser(t.app).agent.get(`/s/confirm/${token}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This signature cannot be confirmed');
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    const press = await b.agent.post(`/s/confirm/${token}`).type('form').send({ _csrf: csrf });
    expect(press.status).toBe(410);
    expect((await statusOf(id)).status).toBe('bounced');
    expect(await verifiedCount(t.db, letter.id)).toBe(0);

    const report = (await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200)).body.integrity;
    expect(report).toMatchObject({ bounced: 1, counted: 0, neverConfirmed: 0 });

    // PENDING_RETENTION_DAYS after the bounce the row and its address are gone; the figure stays.
    await t.db.query(`UPDATE signatures SET bounced_at = now() - make_interval(days => $2 + 1) WHERE id = $1`, [
      id,
      t.config.PENDING_RETENTION_DAYS,
    ]);
    const erased = await applyRetention(t.db, t.config);
    expect(erased.bouncedDeleted).toBeGreaterThanOrEqual(1);
    expect(await statusOf(id)).toBeUndefined();
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200)).body.integrity.bounced).toBe(1);
  });

  test('a 4xx is temporary: the email is retried, arrives once the server takes it, and the signature confirms and counts', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('mailbox-full');
    t.smtp.deferRecipient((a) => a === email);
    let id: string;
    try {
      id = await signedAs(letter, email);
      const job = await until(
        () => confirmJob(id),
        (j) => !!j?.last_error,
      );
      expect(job.attempts).toBeGreaterThanOrEqual(1);
      expect(job.last_error).toContain('450');
      expect((await statusOf(id)).status).toBe('pending');
    } finally {
      t.smtp.deferRecipient(null);
    }
    // graphile-worker retries after about e^1 seconds.
    expect((await confirm(t, email, { timeoutMs: 20_000 })).status).toBe(200);
    expect((await statusOf(id)).status).toBe('confirmed');
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    expect((await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200)).body.integrity).toMatchObject({
      bounced: 0,
      counted: 1,
    });
  }, 40_000);
});
