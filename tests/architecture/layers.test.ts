/**
 * The layer rules of .dependency-cruiser.cjs must bite: each case copies src/ (and what the
 * rules read) to a temporary folder, plants one wrong-way import, and expects the check that
 * `npm run lint` runs to fail naming the rule. The untouched copy must pass.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function depcruise(dir: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(path.join(ROOT, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir });
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let copy: string;

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  for (const entry of ['src', 'migrations', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  // Resolving packages (typeorm, express) needs them; a link keeps the copy small.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});

afterAll(() => {
  fs.rmSync(copy, { recursive: true, force: true });
});

/** Wrong-way imports, each with the rule that must refuse it (planted all at once: one run). */
const PLANTED: Array<{ what: string; file: string; line: string; rule: string }> = [
  { what: 'a feature reaching into another feature', file: 'src/sharing/qr-code.ts', line: "import '../organisers/organise.router';", rule: 'features-only-through-index' },
  { what: 'platform importing a feature', file: 'src/web/errors.ts', line: "import '../signatures';", rule: 'platform-imports-no-feature' },
  { what: 'platform importing letters core', file: 'src/logger.ts', line: "import './letters/slug';", rule: 'platform-imports-no-feature' },
  { what: 'letters core importing a feature', file: 'src/letters/slug.ts', line: "import '../sharing';", rule: 'letters-core-imports-only-platform' },
  { what: 'a feature importing the app', file: 'src/ops/readiness.ts', line: "import '../app';", rule: 'nothing-imports-composition' },
  { what: 'a feature importing the CLI', file: 'src/paper/paper-csv.ts', line: "import '../cli/seed';", rule: 'composition-entry-points-stay-on-top' },
  { what: 'a feature borrowing the commands\' start-up', file: 'src/privacy/retention.task.ts', line: "import '../cli/bootstrap';", rule: 'cli-bootstrap-is-for-commands' },
  { what: 'two features importing each other', file: 'src/abuse/disposable.ts', line: "import '../updates';", rule: 'no-folder-cycles' },
  { what: 'a file cycle (one half)', file: 'src/web/validate.ts', line: "import './micro-cache';", rule: 'no-file-cycles' },
  { what: 'a file cycle (other half)', file: 'src/web/micro-cache.ts', line: "import './validate';", rule: 'no-file-cycles' },
];

describe('the layer rules', () => {
  it('pass on the code as it is', async () => {
    const result = await depcruise(copy);
    expect(result.output).toContain('no dependency violations');
    expect(result.ok).toBe(true);
  });

  it('fail on each kind of wrong-way import, naming the rule and the file', async () => {
    for (const p of PLANTED) {
      const target = path.join(copy, p.file);
      fs.writeFileSync(target, `${p.line}\n${fs.readFileSync(target, 'utf8')}`);
    }
    const result = await depcruise(copy);
    expect(result.ok).toBe(false);
    // One block per violation: "error <rule>: <from> → <to>" (a cycle lists its files below).
    const blocks = result.output.split(/\n\s*\n/);
    for (const p of PLANTED) {
      const found = blocks.some((b) => b.includes(`error ${p.rule}:`) && b.includes(p.file));
      expect({ what: p.what, found }).toEqual({ what: p.what, found: true });
    }
  });

  it('keeps docs/dependencies.svg the picture of the code', async () => {
    await expect(run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/dependency-picture.ts', '--check'], { cwd: ROOT })).resolves.toBeDefined();
  });
});
