import fs from 'node:fs';
import path from 'node:path';

/**
 * The project's root: the nearest directory above this file that holds package.json. Views,
 * locales and public files live there, whether this file runs from src/ (tsx, jest) or from a
 * compiled copy under dist/src/ (node in production), so no path depends on the build layout.
 */
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findRoot(__dirname);

/** A path inside the project, e.g. projectPath('views', 'emails'). */
export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
