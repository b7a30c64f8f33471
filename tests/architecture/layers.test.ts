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
    const { stdout } = await run(
      path.join(ROOT, 'node_modules/.bin/depcruise'),
      ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      { cwd: dir },
    );
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// Each check runs dependency-cruiser over the whole tree (about 10 s on two idle cores).
jest.setTimeout(120_000);

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
/** `names`: what the report names when it is not the file (a folder cycle names folders). */
const PLANTED: Array<{ what: string; file: string; line: string; rule: string; names?: string }> = [
  {
    what: 'a feature reaching into another feature',
    file: 'src/features/sharing/qr-code.ts',
    line: "import '../organisers/organise.router';",
    rule: 'features-only-through-index',
  },
  {
    what: 'the app reaching into a feature',
    file: 'src/app/data-source.ts',
    line: "import '../features/paper/paper-csv';",
    rule: 'features-only-through-index',
  },
  {
    what: 'platform importing a feature',
    file: 'src/platform/web/errors.ts',
    line: "import '../../features/signatures';",
    rule: 'platform-imports-nothing-above',
  },
  {
    what: 'platform importing core',
    file: 'src/platform/logger.ts',
    line: "import '../core/letters/slug';",
    rule: 'platform-imports-nothing-above',
  },
  {
    what: 'core importing a feature',
    file: 'src/core/letters/slug.ts',
    line: "import '../../features/sharing';",
    rule: 'core-imports-only-platform',
  },
  {
    what: 'core importing the app',
    file: 'src/core/tokens/tokens.ts',
    line: "import '../../app/data-source';",
    rule: 'core-imports-only-platform',
  },
  {
    what: 'a feature importing the app',
    file: 'src/features/ops/readiness.ts',
    line: "import '../../app/app';",
    rule: 'nothing-imports-app',
  },
  {
    what: 'a feature importing the CLI',
    file: 'src/features/paper/paper-csv.ts',
    line: "import '../../app/cli/seed';",
    rule: 'app-entry-points-stay-on-top',
  },
  {
    what: "a feature borrowing the commands' start-up",
    file: 'src/features/privacy/retention.task.ts',
    line: "import '../../app/cli/bootstrap';",
    rule: 'cli-bootstrap-is-for-commands',
  },
  {
    what: 'two features importing each other',
    file: 'src/features/abuse/disposable.ts',
    line: "import '../updates';",
    rule: 'no-folder-cycles',
    names: 'src/features/abuse →',
  },
  {
    what: 'a file cycle (one half)',
    file: 'src/platform/web/validate.ts',
    line: "import './micro-cache';",
    rule: 'no-file-cycles',
  },
  {
    what: 'a file cycle (other half)',
    file: 'src/platform/web/micro-cache.ts',
    line: "import './validate';",
    rule: 'no-file-cycles',
  },
  {
    what: 'a new feature folder, held to the rules without being listed',
    file: 'src/features/brand-new/index.ts',
    line: "import '../organisers/organise.router';",
    rule: 'features-only-through-index',
  },
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
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : 'export {};\n';
      fs.writeFileSync(target, `${p.line}\n${before}`);
    }
    const result = await depcruise(copy);
    expect(result.ok).toBe(false);
    // One block per violation: "error <rule>: <from> → <to>" (a cycle lists its files below).
    const blocks = result.output.split(/\n\s*\n/);
    for (const p of PLANTED) {
      const found = blocks.some((b) => b.includes(`error ${p.rule}:`) && b.includes(p.names ?? p.file));
      expect({ what: p.what, found }).toEqual({ what: p.what, found: true });
    }
  });

  it('keeps docs/dependencies.svg the picture of the code', async () => {
    await expect(
      run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/dependency-picture.ts', '--check'], { cwd: ROOT }),
    ).resolves.toBeDefined();
  });
});
