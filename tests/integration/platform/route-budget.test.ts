import { spawn } from 'node:child_process';
import path from 'node:path';
import { aDatabaseOfItsOwn } from '../../support/test-databases';
import { ROUTE_BUDGET_EXCEPTIONS } from './route-budget.exceptions';
import { CPU_BUDGET_MS, HEAP_BUDGET_MB, RESULT_MARKER, type RouteBudgetResult } from './route-budget.measure';

/**
 * Every surface bounded (docs/architecture.md, "Cost and fan-out"): every public GET route the app
 * mounts, found by walking Express's router stack so that a new route is measured without anyone
 * listing it, is sent the worst requests a stranger can make (the largest allowed parameters,
 * unknown parameters, a cache-busting query in another language) against the largest data the app
 * allows (20 versions of a 100,000-character text, 100,000 signatures, a 10 MB attachment, a
 * recipient link). Each answer may cost at most CPU_BUDGET_MS of the process's CPU
 * (process.cpuUsage, the least of three tries after a first request that may fill caches) and grow
 * the heap (with the buffers outside it) by at most HEAP_BUDGET_MB. A route that must cost more is
 * listed with its reason and its own limit in route-budget.exceptions.ts.
 *
 * The measuring runs in a plain node process (route-budget.measure.ts says why); this test judges
 * what it prints. It measures on a fresh database of its own: in the worker's database the other
 * test files' letters would be on the home page and in the sitemap, and the jobs its fixture
 * queues would be left for the next file's worker.
 */

let result: RouteBudgetResult;
let database: Awaited<ReturnType<typeof aDatabaseOfItsOwn>> | undefined;
beforeAll(async () => {
  database = await aDatabaseOfItsOwn('route_budget');
  const script = path.join(__dirname, 'route-budget.measure.ts');
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    cwd: path.join(__dirname, '../../..'),
    env: { ...process.env, TEST_DB_URL: database.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    if (process.env.ROUTE_BUDGET_TRACE) process.stderr.write(c);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (code !== 0 || !line) throw new Error(`the measuring process failed (exit ${code}):\n${err.slice(-4000)}`);
  result = JSON.parse(line.slice(RESULT_MARKER.length)) as RouteBudgetResult;
  const table = result.measured.map(
    (m) =>
      `${m.route.padEnd(52)} ${m.variant.padEnd(18)} ${String(m.status).padEnd(4)} ${m.cpuMs.toFixed(1).padStart(8)} ms ${m.heapMb.toFixed(1).padStart(6)} MB`,
  );
  process.stdout.write(
    `route budget: fixture ${result.fixtureSeconds} s, measuring ${result.measureSeconds} s, ${result.mounted.length} routes mounted\n${table.join('\n')}\nnot public: ${result.notPublic.join(', ')}\n`,
  );
}, 600_000);
afterAll(async () => {
  await database?.drop();
});

test('the routes were found by walking the router stack, and the heap was measured after collecting', () => {
  expect(result.gc).toBe(true);
  // A few the walk must see: one mounted on the app itself, one in a router mounted under /api, one behind sign-in.
  expect(result.mounted).toEqual(
    expect.arrayContaining(['GET /letters/:slug.json', 'GET /api/openapi.json', 'GET /organise']),
  );
  expect(result.notPublic).toEqual(
    expect.arrayContaining(['GET /organise', 'GET /api/v1/letters/:slug', 'GET /metrics']),
  );
  expect(result.measured.map((m) => m.route)).toEqual(expect.arrayContaining(['GET /letters/:slug', 'GET /r/:token']));
});

test('no public route answers with a server error to what a stranger may send', () => {
  expect(result.measured.filter((m) => m.status >= 500)).toEqual([]);
});

test('every public GET route answers within the CPU and memory budget, or within the limit of its listed exception', () => {
  const exceptions = new Map(ROUTE_BUDGET_EXCEPTIONS.map((e) => [e.route, e]));
  const over = result.measured.filter((m) => {
    const limit = exceptions.get(m.route) ?? { cpuMs: CPU_BUDGET_MS, heapMb: HEAP_BUDGET_MB };
    return m.cpuMs > limit.cpuMs || m.heapMb > limit.heapMb;
  });
  expect(over).toEqual([]);
});

test('each exception names a mounted public route and gives a reason', () => {
  const measured = new Set(result.measured.map((m) => m.route));
  for (const e of ROUTE_BUDGET_EXCEPTIONS) {
    expect({ route: e.route, measured: measured.has(e.route), hasReason: e.reason.length > 20 }).toEqual({
      route: e.route,
      measured: true,
      hasReason: true,
    });
  }
  // An exception whose route now fits the budget is said, not failed: a cold render near the line
  // fits on a quiet machine and not on a busy one, and CI must not depend on which it got.
  const overBudget = new Set(
    result.measured.filter((m) => m.cpuMs > CPU_BUDGET_MS || m.heapMb > HEAP_BUDGET_MB).map((m) => m.route),
  );
  const unneeded = ROUTE_BUDGET_EXCEPTIONS.filter((e) => !overBudget.has(e.route)).map((e) => e.route);
  if (unneeded.length)
    process.stdout.write(`route budget: these exceptions fitted the budget in this run: ${unneeded.join(', ')}\n`);
});
