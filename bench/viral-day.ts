import http from 'node:http';

/**
 * The viral day, end to end (issue 11, part 1). People arrive at a fixed rate, evenly spaced (an
 * open loop: person n is due at start + n / rate whatever happened to the ones before). Each one
 *   1. opens the letter page (GET, their own network in X-Forwarded-For, the CSRF cookie and token),
 *   2. signs (the form POST; answered 303),
 *   3. receives the confirmation email over real SMTP (the bench's sink tells us when it arrived),
 *   4. opens the link (GET of the confirmation page: scanners open links, only the button confirms)
 *      and presses Confirm (the POST of that page's form; answered 200).
 * No limit is raised: every person comes from a distinct address in 198.18.0.0/15 and signs with a
 * distinct address at a big public provider (per-domain limits skip those), as real signers do.
 *
 * Figures: signing p50/p99 (the sign POST, from when it was sent), email lag (the sign POST's
 * answer → the message accepted by the sink), confirming p50/p99 (the confirm POST), seconds
 * from the last confirmation until the public JSON shows the exact count, lost (signed but never
 * mailed, or confirmed but not counted) and held (none of these real-looking signers may be).
 */

export interface ViralMail {
  /** The envelope recipient. */
  to: string;
  /** The confirmation token in the message, if one was found. */
  token: string | null;
  /** performance.now() when the sink accepted the message. */
  acceptedAt: number;
  /** The message as the sink received it. */
  raw?: Buffer;
}

export interface ViralFigures {
  rate: number;
  seconds: number;
  people: number;
  signed: number;
  mailed: number;
  confirmed: number;
  signP50: number;
  signP99: number;
  pageP99: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  confirmP50: number;
  confirmP99: number;
  /** Seconds from the last confirmation's answer until the public JSON showed the exact count; null: never within the wait. */
  countExactAfter: number | null;
  shownCount: number;
  confirmedRows: number;
  held: number;
  lost: number;
  /** Answers other than the expected ones (page 200, sign 303, confirm page 200, confirm 200), and network errors. */
  failures: number;
  /** What the failures were ("sign 429", "confirm 500", a network error's message), with how many. */
  failedHow: Record<string, number>;
}

export interface ViralRun {
  appUrl: string;
  slug: string;
  rate: number;
  seconds: number;
  /** Distinct people across every run of a bench (their networks and addresses must not repeat). */
  firstPerson: number;
  /** Unique per run: part of every address. */
  tag: string;
  /** How long to wait for the last emails after the last arrival. */
  mailWaitMs: number;
  /** Registers the run's mail listener with the SMTP sink; null unregisters. */
  listen(onMail: ((mail: ViralMail) => void) | null): void;
  /** Confirmed rows and held rows of the letter, from the database. */
  tally(): Promise<{ confirmedRows: number; held: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A distinct address in 198.18.0.0/15 (reserved for benchmarks), sent as X-Forwarded-For. */
export function viralIp(n: number): string {
  const v = n % 131072;
  return `198.${18 + ((v >> 16) & 1)}.${(v >> 8) & 255}.${v & 255}`;
}

interface Answer {
  status: number;
  body: string;
  setCookie: string[];
}

function request(
  agent: http.Agent,
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const sc = res.headers['set-cookie'];
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), setCookie: sc ? sc : [] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A browser's cookie jar, enough for one site: the latest value of each name. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(setCookie: string[]): void {
    for (const c of setCookie) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const CSRF = /name="_csrf" value="([^"]+)"/;

/** One arrival rate against a running app. */
export async function viralRun(run: ViralRun): Promise<ViralFigures> {
  const base = new URL(run.appUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(run.rate * run.seconds);
  const signLat: number[] = [];
  const pageLat: number[] = [];
  const lags: number[] = [];
  const confirmLat: number[] = [];
  let failures = 0;
  const failedHow = new Map<string, number>();
  let signed = 0;
  let mailed = 0;
  let confirmed = 0;
  let lastConfirmAt = 0;
  let peopleDone = 0;
  /** Per address: when the sign POST was answered, and who waits for the mail. */
  const waiting = new Map<
    string,
    { answeredAt: number | null; mail: ViralMail | null; deliver: ((m: ViralMail) => void) | null }
  >();
  const slot = (to: string) => {
    let s = waiting.get(to);
    if (!s) waiting.set(to, (s = { answeredAt: null, mail: null, deliver: null }));
    return s;
  };
  run.listen((mail) => {
    const s = slot(mail.to.toLowerCase());
    if (s.mail) return; // a second message to the same person: not expected, not counted twice
    s.mail = mail;
    mailed++;
    if (s.answeredAt !== null) lags.push(Math.max(0, mail.acceptedAt - s.answeredAt));
    s.deliver?.(mail);
  });

  let resolveAllDone: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (resolveAllDone = r));
  const finished = () => {
    if (++peopleDone === total) resolveAllDone();
  };

  async function person(n: number, due: number): Promise<void> {
    const jar = new Jar();
    const ip = viralIp(run.firstPerson + n);
    const email = `viral-${run.tag}-${n}@gmail.com`;
    const h = (extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, cookie: jar.header(), ...extra });
    try {
      const page = await request(agent, base, 'GET', `/letters/${run.slug}`, h());
      pageLat.push(performance.now() - due);
      jar.take(page.setCookie);
      const csrf = page.body.match(CSRF)?.[1];
      if (page.status !== 200 || !csrf) throw new Error(`letter page ${page.status}`);
      const form = new URLSearchParams({
        _csrf: csrf,
        fullName: `Viral Signer ${n}`,
        email,
        country: ['UA', 'FR', 'KZ', 'DE', 'PL'][n % 5],
        city: '',
        organisation: '',
        signedAs: 'individual',
        visibility: 'public',
      }).toString();
      const s = slot(email);
      const mail = new Promise<ViralMail>((resolve) => (s.deliver = resolve));
      const t0 = performance.now();
      const sign = await request(
        agent,
        base,
        'POST',
        `/letters/${run.slug}/sign`,
        h({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)) }),
        form,
      );
      const answeredAt = performance.now();
      if (sign.status !== 303) throw new Error(`sign ${sign.status}`);
      signLat.push(answeredAt - t0);
      signed++;
      s.answeredAt = answeredAt;
      if (s.mail) lags.push(Math.max(0, s.mail.acceptedAt - answeredAt));
      jar.take(sign.setCookie);

      const got = s.mail ?? (await Promise.race([mail, allDone.then(() => null)]));
      if (!got?.token) return;
      const confirmPage = await request(agent, base, 'GET', `/s/confirm/${got.token}`, h());
      jar.take(confirmPage.setCookie);
      const csrf2 = confirmPage.body.match(CSRF)?.[1];
      if (confirmPage.status !== 200 || !csrf2) throw new Error(`confirmation page ${confirmPage.status}`);
      const body = new URLSearchParams({ _csrf: csrf2, visibility: 'public' }).toString();
      const t1 = performance.now();
      const res = await request(
        agent,
        base,
        'POST',
        `/s/confirm/${got.token}`,
        h({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }),
        body,
      );
      const done = performance.now();
      if (res.status !== 200) throw new Error(`confirm ${res.status}`);
      confirmLat.push(done - t1);
      confirmed++;
      lastConfirmAt = Math.max(lastConfirmAt, done);
    } catch (e) {
      failures++;
      const how = (e as Error).message || String(e);
      failedHow.set(how, (failedHow.get(how) ?? 0) + 1);
    } finally {
      finished();
    }
  }

  // Arrivals: every millisecond, start whoever has fallen due.
  const start = performance.now();
  let started = 0;
  const people: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      while (started < total && start + (started * 1000) / run.rate <= now) {
        people.push(person(started, start + (started * 1000) / run.rate));
        started++;
      }
      if (started === total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  // The last emails: wait for them, up to mailWaitMs after the last arrival; whoever has no
  // email by then gives up (counted in `lost`).
  const giveUp = performance.now() + run.mailWaitMs;
  while (peopleDone < total && performance.now() < giveUp) {
    // Everyone signed and mailed: what remains are confirmations in flight.
    await sleep(50);
  }
  if (peopleDone < total) resolveAllDone();
  await Promise.all(people);

  // Seconds until the public JSON shows every confirmation (polled as a reader would; it may be
  // cached for up to a second).
  let countExactAfter: number | null = null;
  let shownCount = -1;
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const j = await request(agent, base, 'GET', `/letters/${run.slug}.json`, { 'x-forwarded-for': '198.19.255.254' });
    shownCount = (JSON.parse(j.body) as { signatureCount: number }).signatureCount;
    if (shownCount === confirmed) {
      countExactAfter = Math.max(0, (performance.now() - (lastConfirmAt || start)) / 1000);
      break;
    }
    await sleep(50);
  }
  // Emails still on their way after the people gave up: waited for as long again, so that "lost"
  // means never sent, not late.
  const lateUntil = performance.now() + run.mailWaitMs;
  while (mailed < signed && performance.now() < lateUntil) await sleep(100);
  run.listen(null);
  agent.destroy();
  const { confirmedRows, held } = await run.tally();
  // Lost: signed but never mailed, and confirmed (answered 200) but not in the public count.
  const lost = Math.max(0, signed - mailed) + Math.max(0, confirmed - Math.min(shownCount, confirmedRows));
  return {
    rate: run.rate,
    seconds: run.seconds,
    people: total,
    signed,
    mailed,
    confirmed,
    signP50: quantile(signLat, 0.5),
    signP99: quantile(signLat, 0.99),
    pageP99: quantile(pageLat, 0.99),
    lagP50: quantile(lags, 0.5),
    lagP99: quantile(lags, 0.99),
    lagMax: lags.length ? Math.max(...lags) : NaN,
    confirmP50: quantile(confirmLat, 0.5),
    confirmP99: quantile(confirmLat, 0.99),
    countExactAfter,
    shownCount,
    confirmedRows,
    held,
    lost,
    failures,
    failedHow: Object.fromEntries(failedHow),
  };
}

/** The targets of the headline: all must hold at a rate for it to count. */
export function meetsTargets(f: ViralFigures): boolean {
  return (
    f.signP99 < 100 &&
    f.lagP99 < 5000 &&
    f.confirmP99 < 100 &&
    f.countExactAfter !== null &&
    f.countExactAfter <= 2 &&
    f.lost === 0 &&
    f.held === 0 &&
    f.failures === 0 &&
    f.confirmed === f.people
  );
}

export function viralTable(results: Array<{ setup: string; figures: ViralFigures }>): string {
  const header = [
    'Setup',
    'Rate (people/s)',
    'People',
    'Sign p50',
    'Sign p99',
    'Email lag p50',
    'p99',
    'max',
    'Confirm p50',
    'Confirm p99',
    'Count exact after',
    'Lost',
    'Held',
    'Failed',
    'Targets',
  ];
  const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);
  const s = (n: number) => (Number.isNaN(n) ? '–' : `${(n / 1000).toFixed(2)} s`);
  const lines = results.map(({ setup, figures: f }) => [
    setup,
    String(f.rate),
    f.people.toLocaleString('en-US'),
    ms(f.signP50),
    ms(f.signP99),
    s(f.lagP50),
    s(f.lagP99),
    s(f.lagMax),
    ms(f.confirmP50),
    ms(f.confirmP99),
    f.countExactAfter === null ? 'not within 30 s' : `${f.countExactAfter.toFixed(2)} s`,
    String(f.lost),
    String(f.held),
    String(f.failures),
    meetsTargets(f) ? 'met' : 'missed',
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const out = all.map((l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
  out.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  return out.join('\n');
}
