import fs from 'node:fs';
import path from 'node:path';
import databaseSetup from '../support/global-setup';

/** The run's database (as for the other suites) and one screenshot folder shared by every e2e file. */
export default async function e2eGlobalSetup(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.resolve(__dirname, '../../screenshots', `e2e-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  process.env.E2E_SCREENSHOT_DIR = dir;
  process.stdout.write(`\nEnd-to-end screenshots and axe results: ${dir}\n`);
  await databaseSetup();
}
