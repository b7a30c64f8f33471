/**
 * node --expose-gc --import tsx bench/attachment-memory.ts [--clients 40] [--mb 10] [--rate 128k] [--seconds 20]
 *
 * What slow readers of a response's PDF cost the web process in memory. Creates a fresh database
 * on postgres://postgres@127.0.0.1:5432 (BENCH_PG_URL to change), starts the app in this process
 * on 127.0.0.1 (an ephemeral port), posts a response with a PDF of `--mb` MB through a recipient
 * link as an addressee's browser would, then starts `--clients` curl processes that download the
 * public document at `--rate` each (curl --limit-rate, so each connection is read slowly, as a
 * phone on a poor link reads it) for `--seconds`, sampling this process's RSS every 100 ms. Prints
 * the RSS before the downloads and its peak during them, and what is held half-way through once
 * garbage is collected (heap and external buffers: --expose-gc). Drops the database at the end.
 *
 * With --uploads it measures the other way: `--clients` addressees, each with a link of their
 * own, post a `--mb` MB PDF at once, each sent at `--rate` (curl -F --limit-rate), and it prints
 * the same figures over the uploads.
 *
 * Uses only what an addressee and a reader do over HTTP, so the same script measures any version
 * of the upload and download code.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { buildApp } from '../src/app/app';
import { loadConfig } from '../src/platform/config';
import type { AppContext } from '../src/platform/context';
import { createDataSource } from '../src/app/data-source';
import { migrateAll } from '../src/platform/db/connect';
import { Letter } from '../src/core/letters/letter.entity';
import { createLogger } from '../src/platform/logger';
import { auditActor } from '../src/core/access';
import { createRecipientLink } from '../src/features/recipients/recipient-links.service';
import { initI18n } from '../src/platform/web/i18n';
import { createLimits } from '../src/platform/web/rate-limits';
import { aLetterOf, anOrganiser } from '../tests/support/organisers';
import { aPdf } from '../tests/support/pdf';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '40' },
    mb: { type: 'string', default: '10' },
    rate: { type: 'string', default: '128k' },
    seconds: { type: 'string', default: '20' },
    uploads: { type: 'boolean', default: false },
  },
});
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MB = 1024 * 1024;
const rssMb = () => process.memoryUsage().rss / MB;

function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const dbName = `undersigned_bench_attach_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const curls: ChildProcess[] = [];
  let server: http.Server | null = null;
  const db = createDataSource(url.toString(), { poolSize: 20 });
  try {
    await initI18n();
    await db.initialize();
    await migrateAll(db, createLogger('silent'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: url.toString(),
      LOG_LEVEL: 'silent',
      SEED_ON_START: 'false',
      BASE_URL: 'http://127.0.0.1',
      // Every addressee of the bench uploads from 127.0.0.1.
      RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR: '100000',
      FLOOD_LIMIT_PER_IP_PER_MINUTE: '100000',
    });
    const ctx: AppContext = {
      db,
      config,
      log: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
      limits: createLimits(db, config.REDIS_URL),
    };
    server = buildApp(ctx, { devMailbox: false }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const { port } = server.address() as AddressInfo;

    // A delivered letter, a link to it, and the addressee's response with its PDF, over HTTP.
    const owner = await anOrganiser(db);
    const made = await aLetterOf(db, owner, 'owner', { title: 'Bench letter' });
    await db.query(
      `UPDATE letters SET delivered_at = now() - interval '1 day', delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
      [made.id],
    );
    const letter = await db.getRepository(Letter).findOneByOrFail({ id: made.id });
    /** A fresh link's response form: its action and the cookie it needs. */
    const aResponseForm = async () => {
      const { token } = await createRecipientLink(
        ctx,
        letter,
        { name: 'Jean Ministre', role: null, email: null, sendEmail: false, expiresOn: '2099-01-01' },
        auditActor(owner),
      );
      const page = await request(port, 'GET', `/r/${token}`, {});
      const formAction = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/
        .exec(page.text)![1]
        .replace(/&amp;/g, '&');
      return {
        action: formAction,
        cookie: ([] as string[])
          .concat(page.headers['set-cookie'] ?? [])
          .map((c) => c.split(';')[0])
          .join('; '),
      };
    };
    if (args.uploads) {
      const file = path.join(os.tmpdir(), `bench-answer-${process.pid}.pdf`);
      fs.writeFileSync(file, aPdf(Number(args.mb) * MB - 1024));
      const forms = [];
      for (let i = 0; i < Number(args.clients); i++) forms.push(await aResponseForm());
      global.gc?.();
      await new Promise((r) => setTimeout(r, 1000));
      const before = rssMb();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
      const exits = forms.map(
        (f) =>
          new Promise<number>((resolve) => {
            const c = spawn(
              'curl',
              [
                '-sS',
                '-o',
                '/dev/null',
                '-w',
                '%{http_code}',
                '--limit-rate',
                args.rate,
                '-H',
                `Cookie: ${f.cookie}`,
                '-F',
                'body=The ministry answers.',
                '-F',
                `attachment=@${file};type=application/pdf`,
                `http://127.0.0.1:${port}${f.action}`,
              ],
              { stdio: ['ignore', 'pipe', 'inherit'] },
            );
            curls.push(c);
            let out = '';
            c.stdout.on('data', (d: Buffer) => (out += d.toString()));
            // 'close', not 'exit': its output is read only by then.
            c.on('close', () => resolve(Number(out)));
          }),
      );
      const statuses = await Promise.all(exits);
      clearInterval(sampler);
      fs.rmSync(file, { force: true });
      process.stdout.write(
        `${args.clients} addressees uploading a ${args.mb} MB PDF at ${args.rate}/s each: answers ${[...new Set(statuses)].map((st) => `${statuses.filter((x) => x === st).length} × ${st}`).join(', ')}; ` +
          `RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)} MB)\n`,
      );
      return;
    }
    const { action, cookie } = await aResponseForm();
    const boundary = `----bench${crypto.randomBytes(6).toString('hex')}`;
    const pdf = aPdf(Number(args.mb) * MB - 1024);
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nThe ministry answers.\r\n--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="answer.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      pdf,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const posted = await request(
      port,
      'POST',
      action,
      {
        Cookie: cookie,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(body.length),
      },
      body,
    );
    if (posted.status !== 303) throw new Error(`upload answered ${posted.status}`);
    const [{ id }] = await db.query<Array<{ id: string }>>(`SELECT id FROM letter_responses WHERE letter_id = $1`, [
      letter.id,
    ]);
    const href = `http://127.0.0.1:${port}/letters/${letter.slug}/responses/${id}/attachment.pdf`;

    global.gc?.();
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMb();
    const beforeHeld = process.memoryUsage().heapUsed + process.memoryUsage().external;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
    for (let i = 0; i < Number(args.clients); i++) {
      curls.push(
        spawn('curl', ['-s', '-o', '/dev/null', '--limit-rate', args.rate, '--max-time', args.seconds, href], {
          stdio: 'ignore',
        }),
      );
    }
    // Half-way, while every client is still reading: what is held, once garbage is collected.
    await new Promise((r) => setTimeout(r, (Number(args.seconds) * 1000) / 2));
    global.gc?.();
    const held = process.memoryUsage();
    const heldMb = (held.heapUsed + held.external) / MB;
    await new Promise((r) => setTimeout(r, (Number(args.seconds) * 1000) / 2));
    clearInterval(sampler);
    process.stdout.write(
      `${args.clients} clients reading a ${args.mb} MB PDF at ${args.rate}/s each for ${args.seconds} s: ` +
        `RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)} MB); ` +
        `held half-way after a GC (heap + external): ${heldMb.toFixed(0)} MB (${(beforeHeld / MB).toFixed(0)} MB before)\n`,
    );
  } finally {
    for (const c of curls) c.kill();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
    await db.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
