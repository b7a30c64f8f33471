import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Config } from '../../platform/config';
import type { AppContext } from '../../platform/context';
import {
  exportFormSchema,
  exportRequest,
  exportSignatures,
  PDF_MAX_ROWS,
  type ExportResult,
} from '../../features/exports';
import { findLetterBySlug } from '../../core/letters/letters.service';
import { LetterOrganiser, normaliseOrganiserEmail, Organiser } from '../../core/access';
import { initI18n, tFor } from '../../platform/web/i18n';
import { createLimits } from '../../platform/web/rate-limits';
import { parseForm } from '../../platform/web/validate';
import { withApp } from './bootstrap';

const USAGE = `Usage:
  npm run export -- <letter-slug> --format csv|xlsx|json|pdf [--out FILE]
      [--all] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--country UA]
      [--signed-as individual|organisation] [--columns name,country,city,organisation,signedAs,signedAt,source]
      [--include-email] [--purpose delivery|publication] [--lang en|uk|ru|fr|kk] [--as organiser@example.org]

  Verified signatures only unless --all (which adds pending and held ones, never invalidated).
  --out defaults to <slug>-<date>-<export id>.<ext> in the current folder; a folder puts that name there.
  --out - writes the file to standard output (the summary then goes to standard error); a device or
  a named pipe is written directly, never replaced.
  The export is recorded in the export audit (as --as, or as "command line"), and its export id
  and SHA-256 are printed at the end.
  BASE_URL must be set outside development: the files name <BASE_URL>/verify as the place to check them.`;

class UsageError extends Error {}

const OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
  all: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  country: { type: 'string' },
  'signed-as': { type: 'string' },
  columns: { type: 'string' },
  'include-email': { type: 'boolean' },
  purpose: { type: 'string' },
  lang: { type: 'string' },
  as: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Args = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;

function parse(argv: string[]): Args {
  try {
    const args = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    if (args.values.help) throw new UsageError('');
    if (args.positionals.length !== 1)
      throw new UsageError(args.positionals.length ? 'give exactly one letter slug' : 'no letter slug given');
    if (!args.values.format) throw new UsageError('--format is required');
    return args;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

/** Progress on stderr: a bar on a terminal, a plain line every ~5% or 2 s otherwise (CI logs, pipes). */
function progressReporter(): { start(total: number): void; update(done: number, total: number): void; stop(): void } {
  const started = Date.now();
  const rate = (done: number) => Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'exporting |{bar}| {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
        stream: process.stderr,
        etaBuffer: 20,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { rate: 0 }),
      update: (done) => bar.update(done, { rate: rate(done) }),
      stop: () => bar.stop(),
    };
  }
  let lastAt = 0;
  let lastStep = -1;
  return {
    start: (total) => process.stderr.write(`exporting ${total} rows\n`),
    update: (done, total) => {
      const step = total ? Math.floor((done / total) * 20) : 20; // 5% steps
      if (step === lastStep && Date.now() - lastAt < 2000) return;
      lastStep = step;
      lastAt = Date.now();
      const pct = total ? Math.floor((done / total) * 100) : 100;
      const left = total > done ? Math.round((total - done) / Math.max(rate(done), 1)) : 0;
      process.stderr.write(`exported ${done}/${total} rows (${pct}%), ${rate(done)} rows/s, ETA ${left}s\n`);
    },
    stop: () => undefined,
  };
}

function parseOrExit(argv: string[]): Args {
  try {
    return parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `export: ${e.message}\n\n` : ''}${USAGE}\n`);
    process.exit(64); // EX_USAGE
  }
}

/**
 * Files carry the address where an official checks them (the PDF's footer): a default one would
 * send officials to localhost. Only a developer's own machine may go on without it.
 */
function checkBaseUrl(config: Config): number | void {
  if (config.baseUrlSet) return;
  const verifyAt = `${config.BASE_URL}/verify`;
  if (config.NODE_ENV !== 'development') {
    process.stderr.write(
      `export: BASE_URL is not set: the file would name ${verifyAt} as the place to check it.\n` +
        'Set BASE_URL to the public address of the site (e.g. BASE_URL=https://letters.example.org).\n',
    );
    return 78; // EX_CONFIG
  }
  process.stderr.write(
    `export: warning: BASE_URL is not set; the file will name ${verifyAt} as the place to check it\n`,
  );
}

/**
 * Where the export goes, and how:
 * - `stdout`: `--out -`;
 * - `direct`: an existing path that is not a regular file (a device such as /dev/null, a named
 *   pipe, a socket) is opened and written as it is: renaming a finished file over it would
 *   replace it (run as root, /dev/null would become a regular file);
 * - `rename`: a regular file or a path that does not exist is written beside it and renamed onto it
 *   when complete. A symbolic link is followed, so the file it points to is replaced, not the link.
 * A folder (or no --out: the current folder) takes the export's own file name.
 */
function outputTarget(
  out: string | undefined,
  fileName: string,
): { kind: 'stdout' | 'direct' | 'rename'; path: string } {
  if (out === '-') return { kind: 'stdout', path: '(standard output)' };
  let target = out ? path.resolve(out) : path.resolve(fileName);
  let stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory()) {
    target = path.join(target, fileName);
    stat = fs.statSync(target, { throwIfNoEntry: false });
  }
  if (!stat) return { kind: 'rename', path: target };
  const real = fs.realpathSync(target);
  return { kind: stat.isFile() ? 'rename' : 'direct', path: real };
}

/** npm run export: one letter's signatures to a file, audited like an export from the web. */
const args = parseOrExit(process.argv.slice(2));
const slug = args.positionals[0];
const v = args.values;

void withApp(
  async ({ db, config, log }) => {
    await initI18n();
    const ctx: AppContext = { db, config, log, limits: createLimits(db, config.REDIS_URL) };
    // A file is written to <file>.part and renamed when complete, so a failed export never leaves a
    // file that looks whole. Standard output, a device or a pipe is written directly (`part` stays null).
    const file: { part: string | null; final: string } = { part: null, final: '' };
    const toStdout = v.out === '-';
    try {
      const letter = await findLetterBySlug(db, slug);
      if (!letter) {
        process.stderr.write(`export: no letter "${slug}"\n`);
        return 65; // EX_DATAERR
      }
      let organiserId: string | null = null;
      if (v.as) {
        const organiser = await db.getRepository(Organiser).findOneBy({ email: normaliseOrganiserEmail(v.as) });
        const role =
          organiser &&
          (await db.getRepository(LetterOrganiser).findOneBy({ letterId: letter.id, organiserId: organiser.id }));
        if (!organiser || !role) {
          process.stderr.write(`export: ${v.as} is not an organiser of ${slug}\n`);
          return 65;
        }
        organiserId = organiser.id;
      }
      // The same rules as the web form, so the command line cannot do what the page refuses.
      const parsed = parseForm(exportFormSchema, {
        format: v.format,
        purpose: v.purpose,
        scope: v.all ? 'all' : 'verified',
        from: v.from,
        to: v.to,
        country: v.country,
        signedAs: v['signed-as'],
        columns:
          v.columns === undefined
            ? ['name', 'country', 'city', 'organisation', 'signedAs', 'signedAt']
            : v.columns
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
        includeEmail: v['include-email'] ? 'on' : undefined,
        language: v.lang ?? letter.defaultLanguage,
      });
      if (!parsed.ok) {
        const t = tFor('en');
        for (const [field, key] of Object.entries(parsed.errors))
          process.stderr.write(`export: ${field}: ${t(key, { max: PDF_MAX_ROWS })}\n`);
        return 64;
      }
      const form = parsed.data;

      const progress = progressReporter();
      const started = performance.now();
      let out: fs.WriteStream | null = null;
      let result: ExportResult;
      try {
        result = await new Promise<ExportResult>((resolve, reject) => {
          // The file name carries the export id, known only once the export starts: the stream is
          // opened in onStart, and the writer's first write waits for it.
          const pass = new PassThrough();
          exportSignatures(ctx, exportRequest(form, letter, organiserId), pass, {
            onStart: ({ fileName, total }) => {
              const target = outputTarget(v.out, fileName);
              file.final = target.path;
              if (target.kind === 'stdout') {
                // Standard output is the process's own: written, never ended.
                process.stdout.on('error', (err: Error) => pass.destroy(err));
                pass.pipe(process.stdout, { end: false });
              } else {
                if (target.kind === 'rename') file.part = `${target.path}.part`;
                const stream = fs.createWriteStream(file.part ?? target.path);
                out = stream;
                stream.on('error', (err) => pass.destroy(err));
                pass.pipe(stream);
              }
              progress.start(total);
            },
            onProgress: (done, total) => progress.update(done, total),
          }).then(async (r) => {
            // pass has ended; wait until the file is on disk before calling it done.
            const written = out;
            if (toStdout) await new Promise<void>((ok) => process.stdout.write('', () => ok()));
            else if (written && !written.writableFinished)
              await new Promise<void>((ok, fail) => written.once('finish', ok).once('error', fail));
            resolve(r);
          }, reject);
        });
      } finally {
        progress.stop();
      }
      if (!file.final) throw new Error('the export produced no file');
      if (file.part) {
        fs.renameSync(file.part, file.final);
        file.part = null;
      }
      (toStdout ? process.stderr : process.stdout).write(
        [
          `export id: ${result.exportId}`,
          `sha256:    ${result.sha256}`,
          `rows:      ${result.rowCount}`,
          `bytes:     ${result.bytes}`,
          `file:      ${file.final}`,
          `seconds:   ${((performance.now() - started) / 1000).toFixed(2)}`,
        ].join('\n') + '\n',
      );
      return 0;
    } catch (e) {
      const key = (e as { messageKey?: string }).messageKey;
      if (key) {
        process.stderr.write(`export: ${tFor('en')(key, { max: PDF_MAX_ROWS })}\n`);
        return 65;
      }
      throw e;
    } finally {
      if (file.part) fs.rmSync(file.part, { force: true });
      await ctx.limits.close();
    }
  },
  { name: 'export', quiet: true, preflight: checkBaseUrl },
);
