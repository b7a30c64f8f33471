import cluster from 'node:cluster';

/**
 * Runs N copies of a server entry (the compiled app, or the reference server) behind one port with
 * Node's cluster module: the primary accepts connections and hands them to the copies in turn.
 * SIGTERM is passed on to every copy; the primary exits when they have all exited. Each copy runs
 * the entry itself: compiled JavaScript under plain node, as `npm run start:prod` runs it (tsx is
 * not loaded), TypeScript (the reference server) under tsx.
 *   BENCH_PROCESSES=2 BENCH_ENTRY=/abs/path/dist/src/app/main.js node --import tsx bench/cluster.ts
 */
const processes = Number(process.env.BENCH_PROCESSES ?? '1');
const entry = process.env.BENCH_ENTRY;
if (!entry) throw new Error('BENCH_ENTRY is required');

cluster.setupPrimary({ exec: entry, execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [] });
for (let i = 0; i < processes; i++) cluster.fork();
let stopping = false;
cluster.on('exit', (worker, code, signal) => {
  if (!stopping) process.stderr.write(`cluster: process ${worker.process.pid} exited (${code ?? signal})\n`);
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(stopping ? 0 : 1);
});
process.on('SIGTERM', () => {
  stopping = true;
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
});
