import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The scenarios run the app as production runs it: compiled once to dist/ and started with node.
 * A type error elsewhere in the tree does not stop the build (tsc still emits); the typecheck
 * step of CI reports those.
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  const entry = path.join(root, 'dist/src/app/main.js');
  const started = Date.now();
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noEmitOnError', 'false'],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
  } catch {
    // emitted anyway; checked below
  }
  if (!fs.existsSync(entry) || fs.statSync(entry).mtimeMs < started - 1000) {
    throw new Error('the build did not produce dist/src/app/main.js');
  }
}
