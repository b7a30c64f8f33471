import fs from 'node:fs';
import path from 'node:path';
import databaseTeardown from '../support/global-teardown';
import type { AxeRecord } from './support';

/** Prints one line per page that axe checked, so a run's log shows what was covered. */
export default async function e2eGlobalTeardown(): Promise<void> {
  const dir = process.env.E2E_SCREENSHOT_DIR;
  if (dir && fs.existsSync(dir)) {
    const records = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('axe-') && f.endsWith('.json'))
      .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as AxeRecord[]);
    if (records.length) {
      const lines = records.map(
        (r) =>
          `  ${r.violations === 0 ? 'ok  ' : 'FAIL'} ${r.step.padEnd(34)} ${String(r.violations).padStart(2)} violations, ${String(r.passes).padStart(3)} rules passed  ${r.path}`,
      );
      process.stdout.write(`\naxe (WCAG 2.0/2.1/2.2 A and AA) on ${records.length} pages:\n${lines.join('\n')}\n`);
    }
  }
  await databaseTeardown();
}
