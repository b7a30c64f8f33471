import { Worker } from 'node:worker_threads';
import type { DiffPart } from '../../core/letters/text-versions';

/**
 * The word diff (jsdiff's diffWords) of two texts is O((N+M)·D) in time and can take seconds or
 * minutes on long texts that differ a lot. It runs here, in a thread of its own, so that the
 * process's event loop (the web server too, with ROLE=all) never waits for it: the thread does the
 * tokenising, the comparison and the clean-up of the result, the event loop only hands it the texts
 * and takes the parts back. jsdiff's callback mode would keep it on the event loop, in slices
 * between timers, with its tokenising and clean-up still in one piece each.
 *
 * The comparison gives up past MAX_EDIT_LENGTH words and spaces changed (deterministic: the same
 * texts always give the same answer), and past DIFF_TIMEOUT_MS in any case (a backstop for a slow
 * or busy machine). On the bench's 2 vCPU, the cap costs at most about 2 s of the thread's CPU for
 * two 100,000-character texts, and a word-by-word page of more changes would not be readable anyway.
 */
export const MAX_EDIT_LENGTH = 3000;
export const DIFF_TIMEOUT_MS = 10_000;

export interface DiffTask {
  before: string;
  after: string;
}

/** The parts, or null when the texts are too different to compare word by word. */
export type DiffResult = DiffPart[] | null;

// Plain JavaScript run by the thread, so that it needs no TypeScript loader (tests, tsx and the
// compiled dist/ alike); jsdiff is given by its resolved path.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { diffWords } = require(workerData.diffPath);
parentPort.on('message', (task) => {
  let parts = null;
  try {
    const changes = diffWords(task.before, task.after, { maxEditLength: workerData.maxEditLength, timeout: workerData.timeoutMs });
    if (changes) parts = changes.map((c) => ({ kind: c.added ? 'added' : c.removed ? 'removed' : 'same', text: c.value }));
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
    return;
  }
  parentPort.postMessage({ parts });
});
`;

// One comparison thread per process at a time: several diff jobs at once must not take every core.
let queue: Promise<unknown> = Promise.resolve();

export type DiffInThread = (task: DiffTask) => Promise<DiffResult>;

/**
 * Runs `use` with a thread that compares texts, one pair after another; the thread is ended when
 * `use` ends. A thread that fails or exits rejects the comparison it was doing (the job is retried).
 */
export function withDiffThread<T>(
  use: (diff: DiffInThread) => Promise<T>,
  opts: { maxEditLength?: number; timeoutMs?: number } = {},
): Promise<T> {
  const run = queue.then(() => runThread(use, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runThread<T>(
  use: (diff: DiffInThread) => Promise<T>,
  opts: { maxEditLength?: number; timeoutMs?: number },
): Promise<T> {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      diffPath: require.resolve('diff'),
      maxEditLength: opts.maxEditLength ?? MAX_EDIT_LENGTH,
      timeoutMs: opts.timeoutMs ?? DIFF_TIMEOUT_MS,
    },
    // Two 100,000-character texts need a few tens of megabytes; a bound keeps a bad case from
    // growing the process.
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  const diff: DiffInThread = (task) =>
    new Promise<DiffResult>((resolve, reject) => {
      const onMessage = (m: { parts?: DiffResult; error?: string }) => {
        cleanup();
        if (m.error) reject(new Error(`word diff failed: ${m.error}`));
        else resolve(m.parts ?? null);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`word diff thread exited (${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(task);
    });
  try {
    return await use(diff);
  } finally {
    await worker.terminate();
  }
}
