/**
 * docs/architecture.md stays the map of the code: every file or folder it names in backticks
 * exists, every feature folder is described by exactly one bullet, and no line is said twice.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

/** Code spans that name a file or folder of the project (not a URL path, a command or a placeholder). */
function namedPaths(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return spans.filter(
    (s) =>
      !s.startsWith('/') &&
      !/[<>{}*\s(]/.test(s) &&
      (/\.(ts|cjs|js|json|md|svg|ejs)$/.test(s) ||
        /^(src|tests|docs|views|locales|migrations|bench|scripts)\//.test(s) ||
        /^[a-z-]+\/([a-z-]+\/)*$/.test(s)),
  );
}

const SECTION_BASES: Record<string, string> = {
  Platform: 'src/platform',
  Core: 'src/core',
  Features: 'src/features',
  App: 'src/app',
};

/** Every file under a folder, as paths from the project's root. */
function filesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[]).map((f) => path.join(dir, f));
}

/**
 * The named paths the page gets wrong. A path with a folder in it exists from the project's root,
 * from src/ or from its section's layer; a bare file name ("mailer.ts") exists in the folder of the
 * bullet it is written in ("- `mail/`: …") or, outside such a bullet, somewhere in the section's layer.
 */
function wrongPaths(doc: string): string[] {
  const wrong: string[] = [];
  let base = '';
  let folder = '';
  for (const line of doc.split('\n')) {
    const heading = /^#{2,3} (\w+)/.exec(line);
    if (heading) {
      base = SECTION_BASES[heading[1]] ?? '';
      folder = '';
      continue;
    }
    if (line.startsWith('- ') || line.trim() === '') {
      const first = /^- `([^`]+\/)`/.exec(line);
      folder = first
        ? ([path.join(base, first[1]), first[1]].find((f) => fs.existsSync(path.join(ROOT, f))) ?? '')
        : '';
    }
    for (const p of namedPaths(line)) {
      const found = p.includes('/')
        ? ['', 'src', base].some((b) => fs.existsSync(path.join(ROOT, b, p)))
        : fs.existsSync(path.join(ROOT, p)) || filesUnder(folder || base || 'src').some((f) => path.basename(f) === p);
      if (!found) wrong.push(p);
    }
  }
  return wrong;
}

describe('docs/architecture.md', () => {
  it('names only files and folders that exist', () => {
    expect(wrongPaths(DOC)).toEqual([]);
  });

  it('names some paths, so the check above checks something', () => {
    expect(namedPaths(DOC).length).toBeGreaterThan(40);
    expect(wrongPaths('### Platform\n- `db/`: `mailer.ts` and `src/no/such/file.ts`')).toEqual([
      'mailer.ts',
      'src/no/such/file.ts',
    ]);
  });

  it('describes every feature folder in exactly one bullet', () => {
    const features = fs
      .readdirSync(path.join(ROOT, 'src/features'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const name of features) {
      const bullets = DOC.split('\n').filter((l) => l.startsWith(`- \`features/${name}/\``));
      expect({ name, bullets: bullets.length }).toEqual({ name, bullets: 1 });
    }
  });

  it('says nothing twice', () => {
    const lines = DOC.split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 50);
    const twice = lines.filter((l, i) => lines.indexOf(l) !== i);
    expect(twice).toEqual([]);
  });
});
