import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pdfParse from 'pdf-parse';
import { IsNull } from 'typeorm';
import { ExportAudit } from '../../../src/features/exports/export-audit.entity';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { Organiser as OrganiserEntity, type Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import { aSigner } from '../../support/factories';
import { download } from '../../support/exports';
import { fileNameOf, sha256 } from '../../support/files';

const ROOT = path.resolve(__dirname, '../../..');

let organiser: Organiser;
let b: Browser;
let letter: Letter;

const t = useTestApp();
beforeAll(async () => {
  organiser = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, organiser.email);
  letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Birthday greetings' });
  await aSigner(t.db, letter, { fullName: 'Айгерім Қасымқызы', email: 'aigerim@example.org', country: 'KZ' });
  await aSigner(t.db, letter, { fullName: 'Мұхтар Әбілқасымұлы', country: 'KZ' });
  // The command runs below take seconds each, mostly starting node: they start now, a few at a
  // time, while the page's tests run; each test then judges its own run.
  await startExports();
});

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** An official's visit: the form's CSRF token, then an upload of `bytes` as `name`. */
async function upload(bytes: Buffer, name: string, lang = 'en') {
  const official = browser(t.app);
  const action = await official.uploadAction(`/verify?lang=${lang}`);
  return official.agent.post(action).attach('file', bytes, name);
}

async function checkDigest(exportId: string, digest: string) {
  const official = browser(t.app);
  const csrf = await official.csrfFrom('/verify');
  return official.agent.post('/verify').type('form').send({ _csrf: csrf, exportId, sha256: digest });
}

describe('the public verification page', () => {
  let file: { bytes: Buffer; name: string; id: string };
  beforeAll(async () => {
    const res = await download(b, letter.slug, { format: 'pdf' });
    expect(res.status).toBe(200);
    file = { bytes: res.body as Buffer, name: fileNameOf(res), id: res.headers['x-export-id'] };
  });

  test('opens without signing in and carries a CSRF token on both forms', async () => {
    const page = await browser(t.app).agent.get('/verify').expect(200);
    expect(page.text.match(/name="_csrf"/g)).toHaveLength(2);
    expect(page.text).toContain('enctype="multipart/form-data"');
  });

  test('confirms the untouched file: which letter, when, how many signatures, which format — and no personal data', async () => {
    const res = await upload(file.bytes, file.name);
    expect(res.status).toBe(200);
    expect(res.text).toContain('This file is genuine');
    expect(res.text).toContain('Birthday greetings');
    expect(res.text).toContain(file.id);
    expect(res.text).toMatch(/Signatures in the file<\/dt><dd>2</);
    expect(res.text).toContain('PDF delivery pack');
    expect(res.text).not.toContain('Айгерім');
    expect(res.text).not.toContain('aigerim@example.org');
    expect(res.text).not.toContain(organiser.email);
  });

  test('rejects the same file with one byte changed, naming the export it claims to be', async () => {
    const altered = Buffer.from(file.bytes);
    altered[Math.floor(altered.length / 2)] ^= 0x01;
    const res = await upload(altered, file.name);
    expect(res.status).toBe(200);
    expect(res.text).toContain('This file does not match');
    expect(res.text).toContain(file.id);
    expect(res.text).not.toContain('This file is genuine');
  });

  test('a file with no known export id and no known digest is not from this platform', async () => {
    const res = await upload(Buffer.from('name,country\r\nSomeone,UA\r\n'), 'list.csv');
    expect(res.text).toContain('Not a file from this platform');
  });

  test('accepts the export id with its SHA-256, in any case and with spaces, and refuses a wrong digest', async () => {
    const ok = await checkDigest(file.id.toUpperCase(), ` ${sha256(file.bytes).toUpperCase()} `);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('This file is genuine');
    expect(ok.text).toContain('Birthday greetings');
    const wrong = await checkDigest(file.id, sha256(Buffer.concat([file.bytes, Buffer.from('\n')])));
    expect(wrong.text).toContain('This file does not match');
  });

  test('a malformed id or digest is answered 422 with a message beside each field', async () => {
    const res = await checkDigest('not-an-id', 'abc');
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="exportId-error"');
    expect(res.text).toContain('id="sha256-error"');
  });

  test('answers in the visitor’s language', async () => {
    const res = await upload(file.bytes, file.name, 'uk');
    expect(res.text).toContain('Цей файл справжній');
  });

  test('refuses a POST without a CSRF token', async () => {
    const res = await browser(t.app).agent.post('/verify').attach('file', file.bytes, file.name);
    expect(res.status).toBe(403);
  });
});

/** The command's environment: the test database, and BASE_URL as a deployment sets it. */
function cliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: process.env.TEST_DB_URL,
    LOG_LEVEL: 'silent',
    BASE_URL: 'https://letters.example.org',
    ...overrides,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** At most this many runs of the command at once. */
const AT_ONCE = 4;
let running = 0;
const waiting: Array<() => void> = [];

/**
 * `npm run export -- <args>` as package.json runs it (node with tsx's loader), from the project's
 * folder. Answers how it ended, whether it succeeded or not.
 */
async function exportCommand(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  if (running >= AT_ONCE) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['--max-semi-space-size=2', '--import', 'tsx', 'src/app/cli/export.ts', ...args],
        { cwd: ROOT, env, timeout: 60_000, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
            stdout,
            stderr: stderr.toString('utf8'),
          }),
      );
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The run, which must have succeeded (its standard error says why not). */
async function succeeded(run: Promise<Run>): Promise<{ stdout: string; stdoutBytes: Buffer; stderr: string }> {
  const r = await run;
  if (r.code !== 0) throw new Error(`npm run export exited with ${r.code}: ${r.stderr}`);
  return { stdout: r.stdout.toString('utf8'), stdoutBytes: r.stdout, stderr: r.stderr };
}

const dirs: string[] = [];
function aDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-export-'));
  dirs.push(dir);
  return dir;
}

/** What each test of `npm run export` looks at, made before its run starts. */
let runs: {
  pdf: { out: string; run: Promise<Run> };
  noBaseUrl: { dir: string; letter: Letter; audited: number; run: Promise<Run> };
  development: { out: string; run: Promise<Run> };
  csv: { dir: string; run: Promise<Run> };
  zoe: { id: string; run: Promise<Run> };
  fifo: {
    dir: string;
    fifo: string;
    chunks: Buffer[];
    reader: ChildProcess;
    readerDone: Promise<number | null>;
    run: Promise<Run>;
  };
  stdout: { stray: string[]; run: Promise<Run> };
  emailInPdf: { dir: string; run: Promise<Run> };
};

async function startExports(): Promise<void> {
  const pdfOut = path.join(aDir(), 'pack.pdf');
  const pdf = { out: pdfOut, run: exportCommand([letter.slug, '--format', 'pdf', '--out', pdfOut], cliEnv()) };

  // A letter of its own, so that no other run's audit row is counted with this one's.
  const refused = await aLetterOf(t.db, organiser, 'owner', { title: 'Refused without BASE_URL' });
  await aSigner(t.db, refused, { fullName: 'Олена Пчілка', country: 'UA' });
  const noBaseUrlDir = aDir();
  const noBaseUrl = {
    dir: noBaseUrlDir,
    letter: refused,
    audited: await t.db.getRepository(ExportAudit).countBy({ letterId: refused.id, organiserId: IsNull() }),
    run: exportCommand(
      [refused.slug, '--format', 'pdf', '--out', path.join(noBaseUrlDir, 'pack.pdf')],
      cliEnv({ BASE_URL: undefined, NODE_ENV: 'test' }),
    ),
  };

  const devOut = path.join(aDir(), 'pack.pdf');
  const development = {
    out: devOut,
    run: exportCommand(
      [letter.slug, '--format', 'pdf', '--out', devOut],
      cliEnv({ BASE_URL: undefined, NODE_ENV: 'development', PORT: '3999' }),
    ),
  };

  const csvDir = aDir();
  const csv = {
    dir: csvDir,
    run: exportCommand(
      [
        letter.slug,
        '--format',
        'csv',
        '--out',
        csvDir,
        '--country',
        'KZ',
        '--columns',
        'name,country',
        '--as',
        organiser.email,
      ],
      cliEnv(),
    ),
  };

  // Stored composed (NFC), as the web stores addresses; typed decomposed, in capitals and with
  // spaces, as a terminal may hand it over. Saved directly: the organiser command accepts ASCII only.
  const zoeOrganiser = await t.db
    .getRepository(OrganiserEntity)
    .save({ email: `zo\u00eb-${Date.now()}@example.org`, name: 'Zoë' });
  await grantRole(t.db, zoeOrganiser.email, letter.slug, 'editor');
  const typed = `  ${zoeOrganiser.email.normalize('NFD').toUpperCase()} `;
  expect(typed.trim().toLowerCase()).not.toBe(zoeOrganiser.email);
  const zoe = {
    id: zoeOrganiser.id,
    run: exportCommand([letter.slug, '--format', 'json', '--out', aDir(), '--as', typed], cliEnv()),
  };

  const fifoDir = aDir();
  const fifoPath = path.join(fifoDir, 'pipe');
  execFileSync('mkfifo', [fifoPath]);
  // The reader is a process of its own: a blocked open() never holds this one.
  const reader = spawn('cat', [fifoPath], { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  reader.stdout.on('data', (c: Buffer) => chunks.push(c));
  const fifo = {
    dir: fifoDir,
    fifo: fifoPath,
    chunks,
    reader,
    readerDone: new Promise<number | null>((resolve) => reader.on('close', resolve)),
    run: exportCommand([letter.slug, '--format', 'csv', '--out', fifoPath], cliEnv()),
  };

  const stdout = {
    stray: [path.join(ROOT, '-'), path.join(ROOT, '-.part')].filter((f) => !fs.existsSync(f)),
    run: exportCommand([letter.slug, '--format', 'json', '--out', '-'], cliEnv()),
  };

  const emailDir = aDir();
  const emailInPdf = {
    dir: emailDir,
    run: exportCommand(
      [letter.slug, '--format', 'pdf', '--include-email', '--out', path.join(emailDir, 'pack.pdf')],
      cliEnv(),
    ),
  };

  runs = { pdf, noBaseUrl, development, csv, zoe, fifo, stdout, emailInPdf };
}

describe('npm run export', () => {
  test('the PDF names the verification page of BASE_URL', async () => {
    await succeeded(runs.pdf.run);
    const text = (await pdfParse(fs.readFileSync(runs.pdf.out))).text;
    expect(text).toContain('https://letters.example.org/verify');
    expect(text).not.toContain('localhost');
  });

  test('outside development it refuses to run without BASE_URL, rather than print a wrong verification address', async () => {
    const { dir, letter: refused, audited, run } = runs.noBaseUrl;
    const failure = await run;
    expect(failure.code).toBe(78);
    expect(failure.stderr).toContain('export: BASE_URL is not set');
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await t.db.getRepository(ExportAudit).countBy({ letterId: refused.id, organiserId: IsNull() })).toBe(
      audited,
    );
  });

  test('in development without BASE_URL it warns, naming the address the file will carry', async () => {
    const { stderr } = await succeeded(runs.development.run);
    expect(stderr).toContain(
      'export: warning: BASE_URL is not set; the file will name http://localhost:3999/verify as the place to check it',
    );
    expect((await pdfParse(fs.readFileSync(runs.development.out))).text).toContain('http://localhost:3999/verify');
  });

  test('writes the file whose SHA-256 and size are the ones in its audit row, and prints the export id and digest', async () => {
    const { dir } = runs.csv;
    const { stdout, stderr } = await succeeded(runs.csv.run);
    const exportId = /export id: ([0-9a-f-]{36})/.exec(stdout)?.[1];
    const digest = /sha256:\s+([0-9a-f]{64})/.exec(stdout)?.[1];
    expect(exportId).toBeDefined();
    // Not a terminal: plain progress lines on stderr.
    expect(stderr).toContain('exported 2/2 rows (100%)');
    const files = fs.readdirSync(dir);
    expect(files).toEqual([`${letter.slug}-${new Date().toISOString().slice(0, 10)}-${exportId}.csv`]);
    const bytes = fs.readFileSync(path.join(dir, files[0]));
    expect(sha256(bytes)).toBe(digest);
    const audit = await t.db.getRepository(ExportAudit).findOneByOrFail({ id: exportId });
    expect(audit).toMatchObject({
      sha256: digest,
      bytes: String(bytes.length),
      rowCount: 2,
      organiserId: organiser.id,
      fileName: files[0],
    });
    expect(bytes.toString('utf8')).toContain('Айгерім Қасымқызы');
  });

  test('--as finds the organiser the way signing in does, whatever the Unicode form and case of the address', async () => {
    const { stdout } = await succeeded(runs.zoe.run);
    const exportId = /export id: ([0-9a-f-]{36})/.exec(stdout)?.[1];
    expect(exportId).toBeDefined();
    expect(await t.db.getRepository(ExportAudit).findOneByOrFail({ id: exportId })).toMatchObject({
      organiserId: runs.zoe.id,
    });
  });

  test('writes into a named pipe without replacing it: the pipe is still a pipe and its reader got the file', async () => {
    const { dir, fifo, chunks, reader, readerDone } = runs.fifo;
    try {
      const { stdout } = await succeeded(runs.fifo.run);
      const digest = /sha256:\s+([0-9a-f]{64})/.exec(stdout)?.[1];
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['pipe']);
      // A reader still waiting means the pipe was never written: it is stopped rather than waited for.
      const finished = await Promise.race([
        readerDone.then(() => true),
        new Promise<boolean>((ok) => setTimeout(() => ok(false), 5_000)),
      ]);
      expect(finished).toBe(true);
      const bytes = Buffer.concat(chunks);
      expect(bytes.toString('utf8')).toContain('Айгерім Қасымқызы');
      expect(sha256(bytes)).toBe(digest);
    } finally {
      if (reader.exitCode === null) reader.kill();
    }
  });

  test('--out - writes the file to standard output, and the export id and digest to standard error', async () => {
    const { stdoutBytes: stdout, stderr: summary } = await succeeded(runs.stdout.run);
    const exportId = /export id: ([0-9a-f-]{36})/.exec(summary)?.[1];
    const digest = /sha256:\s+([0-9a-f]{64})/.exec(summary)?.[1];
    expect(exportId).toBeDefined();
    expect(sha256(stdout)).toBe(digest);
    expect(await t.db.getRepository(ExportAudit).findOneByOrFail({ id: exportId })).toMatchObject({
      sha256: digest,
      bytes: String(stdout.length),
    });
    try {
      expect(fs.existsSync(path.join(ROOT, '-'))).toBe(false);
      expect(fs.existsSync(path.join(ROOT, '-.part'))).toBe(false);
    } finally {
      // A file named "-" is not left behind in the project whatever happened.
      for (const f of runs.stdout.stray) fs.rmSync(f, { force: true });
    }
  });

  test('refuses email addresses in a PDF with a clear message and leaves no file', async () => {
    const failure = await runs.emailInPdf.run;
    expect(failure.code).toBe(64);
    expect(failure.stderr).toContain('The PDF pack never contains email addresses');
    expect(fs.readdirSync(runs.emailInPdf.dir)).toEqual([]);
  });
});
