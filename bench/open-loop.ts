import http from 'node:http';

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopFigures {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
}

/**
 * A fixed arrival rate, evenly spaced: request n is due at start + n / rate, whatever happened to
 * the ones before (an open loop, as real visitors arrive). Latency runs from the moment a request
 * was due to its last byte, so a server that falls behind is charged for the wait it causes.
 *
 * autocannon's `overallRate` is not this: each connection sends its whole per-second quota at
 * once at the top of every second and then waits, so the server sees bursts at its full speed,
 * and its latency correction records a synthetic value for every millisecond of a slow answer.
 */
export function openLoop(opts: {
  url: string;
  rate: number;
  seconds: number;
  next: () => OpenLoopRequest;
  expectStatus: number;
}): Promise<OpenLoopFigures> {
  const target = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  let bad = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      agent.destroy();
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
      resolve({ rps: done / elapsed, p50: at(0.5), p99: at(0.99), bad });
    };
    const fire = (due: number) => {
      const r = opts.next();
      const req = http.request(
        { host: target.hostname, port: target.port, method: r.method, path: r.path, headers: r.headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === opts.expectStatus) latencies.push(performance.now() - due);
            else bad++;
            if (++done === total) finish();
          });
        },
      );
      req.on('error', () => {
        bad++;
        if (++done === total) finish();
      });
      req.end(r.body);
    };
    // Every millisecond, send what has fallen due (a timer cannot fire every 2 ms exactly).
    const timer = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / opts.rate <= now) fire(start + (sent++ * 1000) / opts.rate);
    }, 1);
  });
}
