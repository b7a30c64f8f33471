import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AppProcess,
  createDatabase,
  createLetter,
  publicCount,
  sign,
  Sink,
  sleep,
  SLUG,
  timedGet,
  until,
  type TestDatabase,
} from './harness';

const PG_PORT = 55401;

/** A PostgreSQL server of this test's own (never the machine's main cluster), so it can be stopped. */
class OwnPostgres {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-faults-pg-'));
  private readonly bin = path.join('/usr/lib/postgresql', fs.readdirSync('/usr/lib/postgresql').sort().at(-1)!, 'bin');

  /** PostgreSQL refuses to run as root: as root, its commands run as the postgres user. */
  private run(cmd: string, args: string[]): void {
    const full = path.join(this.bin, cmd);
    if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'pipe' });
    else execFileSync(full, args, { stdio: 'pipe' });
  }

  init(): this {
    if (process.getuid?.() === 0)
      fs.chownSync(
        this.dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      );
    this.run('initdb', [
      '-D',
      path.join(this.dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    return this;
  }

  start(): void {
    const opts = `-p ${PG_PORT} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    this.run('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      opts,
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }

  stop(): void {
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${PG_PORT}/postgres`;
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Answer {
  at: number;
  /** The letter page (else its JSON). */
  page: boolean;
  status: number;
  ms: number;
  body: string;
}

describe('when PostgreSQL restarts mid-load', () => {
  let pg: OwnPostgres;
  let db: TestDatabase;
  let smtp: Sink;
  let app: AppProcess;

  beforeAll(async () => {
    pg = new OwnPostgres().init();
    pg.start();
    db = await createDatabase('pgrestart', pg.adminUrl);
    smtp = await new Sink().start(25004);
    app = await new AppProcess({ role: 'all', port: 3187, databaseUrl: db.url, smtpUrl: smtp.url }).ready(db);
    await createLetter(db);
  });

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    pg?.destroy();
  });

  test('requests during the outage get a quick 503 page and the app serves again without a restart', async () => {
    expect((await sign(app.url, 'before-outage@example.org')).status).toBe(303);

    const answers: Answer[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        while (loading) {
          const url = i % 2 ? `${app.url}/letters/${SLUG}.json` : `${app.url}/letters/${SLUG}`;
          const at = Date.now();
          const a = await timedGet(url, 10_000).catch((e: Error) => ({
            status: 0,
            ms: Date.now() - at,
            body: e.message,
          }));
          answers.push({ at, page: i % 2 === 0, ...a });
          await sleep(50);
        }
      }),
    );
    await sleep(1000);
    const down = Date.now();
    pg.stop();
    await sleep(4000);
    const up = Date.now();
    pg.start();
    const back = await until(
      'the letter page to be served again',
      async () => (await timedGet(`${app.url}/letters/${SLUG}`, 5000)).status === 200 && Date.now(),
      30_000,
      100,
    ).catch(async (e: Error) => {
      const last = await timedGet(`${app.url}/letters/${SLUG}`, 5000).catch((x: Error) => x.message);
      throw new Error(
        `${e.message}; last answer: ${JSON.stringify(last).slice(0, 600)}; app output:\n${app.output.join('')}`,
      );
    });
    await sleep(500);
    loading = false;
    await load;

    // A letter page rendered just before the outage may still be served, for at most the page
    // cache's second (LETTER_PAGE_CACHE_SECONDS); everything else during the outage is a 503.
    const cachedPage = (a: Answer) => a.page && a.status === 200 && a.at < down + 1000;
    const during = answers.filter((a) => a.at >= down && a.at + a.ms < up && !cachedPage(a));
    expect(during.length).toBeGreaterThan(10);
    for (const a of during) {
      expect(a.status).toBe(503);
      expect(a.ms).toBeLessThan(2000);
      expect(a.body).not.toMatch(/\bat \S+ \(|node_modules|Error:|ECONNREFUSED/);
    }
    const page = during.find((a) => a.body.startsWith('<!'));
    expect(page?.body).toMatch(/<html/i);
    expect(back - up).toBeLessThan(10_000);

    // Signing and its email work again, on the same process.
    expect((await sign(app.url, 'after-outage@example.org')).status).toBe(303);
    await until('the email after the outage', () => smtp.countTo('after-outage@example.org') === 1, 30_000, 200);
    expect(smtp.countTo('before-outage@example.org')).toBe(1);
    expect(await publicCount(app.url)).toBe(0);
    expect(app.alive).toBe(true);
  });
});
