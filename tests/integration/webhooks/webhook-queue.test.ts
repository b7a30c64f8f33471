import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { aLetter, aSignature, signForm } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { WEBHOOK_TIMEOUT_MS } from '../../../src/features/webhooks/webhook-sender';

/**
 * A receiver that accepts every connection and never answers: the worst a webhook can point at.
 * It reads each request's first line to know which endpoint (path) the connection is for, and
 * counts the connections open at once, per path and in all.
 */
class SilentReceiver {
  private readonly sockets = new Set<net.Socket>();
  readonly open = new Map<string, number>();
  readonly maxOpen = new Map<string, number>();
  maxTotal = 0;
  accepted = 0;
  private total = 0;
  private server = net.createServer((socket) => {
    this.accepted++;
    this.sockets.add(socket);
    let path: string | null = null;
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (path !== null) return;
      head += chunk.toString('latin1');
      const m = /^[A-Z]+ (\S+) HTTP/.exec(head);
      if (!m) return;
      path = m[1];
      this.open.set(path, (this.open.get(path) ?? 0) + 1);
      this.maxOpen.set(path, Math.max(this.maxOpen.get(path) ?? 0, this.open.get(path)!));
      this.total++;
      this.maxTotal = Math.max(this.maxTotal, this.total);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (path !== null) {
        this.open.set(path, this.open.get(path)! - 1);
        this.total--;
      }
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  get openNow(): number {
    return this.total;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

let owner: Organiser;
let b: Browser;
let silent: SilentReceiver;
type Organiser = Awaited<ReturnType<typeof anOrganiser>>;

const t = useTestApp();
beforeAll(async () => {
  silent = await new SilentReceiver().start();
  owner = await anOrganiser(t.db, { name: 'Queue Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});
afterAll(async () => {
  await silent.stop();
});

async function addWebhook(letter: Letter, path: string): Promise<void> {
  const page = `/organise/letters/${letter.slug}/api/webhooks`;
  const res = await postForm(b, page, page, { url: silent.url(path), events: 'signature.confirmed' });
  expect(res.status).toBe(201);
}

/** Signs another letter through the sign form and answers how long the confirmation email took. */
async function confirmationEmailTakes(): Promise<number> {
  const letter = await aLetter(t.db);
  const form = signForm();
  const c = browser(t.app);
  const csrf = await c.csrfFrom(`/letters/${letter.slug}`);
  const started = Date.now();
  await c.agent
    .post(`/letters/${letter.slug}/sign`)
    .type('form')
    .send({ ...form, _csrf: csrf })
    .expect(303);
  await t.smtp.waitFor(form.email, 1, 4 * WEBHOOK_TIMEOUT_MS);
  return Date.now() - started;
}

async function until(what: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks run in a queue of their own', () => {
  test('with 100 deliveries pending to a receiver that never answers, another letter’s signer gets the confirmation email in the usual time', async () => {
    const usual = await confirmationEmailTakes();

    const letter = await aLetterOf(t.db, owner, 'owner');
    await addWebhook(letter, '/silent-a');
    await addWebhook(letter, '/silent-b');
    // 50 signatures confirmed in one statement: 50 events, one delivery per webhook each (100).
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(await aSignature(t.db, letter, { status: 'pending' }));
    await t.db.query(`UPDATE signatures SET status = 'confirmed', confirmed_at = now() WHERE letter_id = $1`, [
      letter.id,
    ]);
    await until(async () => {
      const [row] = await t.db.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.letter_id = $1 AND d.status = 'pending'`,
        [letter.id],
      );
      return Number(row.n) === 2 * pending.length;
    });
    // The receiver holds deliveries open now.
    await until(() => silent.openNow > 0);

    const during = await confirmationEmailTakes();
    // An email that waited behind even one delivery would have waited its whole time limit.
    expect({ usual: usual < WEBHOOK_TIMEOUT_MS / 2, during: during < WEBHOOK_TIMEOUT_MS / 2 }).toEqual({
      usual: true,
      during: true,
    });
    // One delivery at a time per webhook, whatever is pending.
    expect(Math.max(...silent.maxOpen.values())).toBe(1);
    expect(silent.maxTotal).toBeLessThanOrEqual(t.config.WEBHOOK_CONCURRENCY);
  }, 120_000);
});
