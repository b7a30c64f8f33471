import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import {
  AppProcess,
  createDatabase,
  createLetter,
  nextIp,
  readForm,
  signBody,
  Sink,
  SLUG,
  until,
  type TestDatabase,
} from './harness';

/** The processes a process started, by their ROLE (read from their environment). */
function children(pid: number): Array<{ pid: number; role: string }> {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .flatMap((child) => {
      try {
        const env = fs.readFileSync(`/proc/${child}/environ`, 'utf8').split('\0');
        const role = env.find((e) => e.startsWith('ROLE='))?.slice(5) ?? '?';
        return [{ pid: child, role }];
      } catch {
        return []; // exited meanwhile
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('WEB_PROCESSES: one command runs several web processes and a worker', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createDatabase('webprocs');
    smtp = await new Sink().start(25009);
    app = await new AppProcess({
      role: 'all',
      port: 3198,
      databaseUrl: db.url,
      smtpUrl: smtp.url,
      env: { WEB_PROCESSES: '2' },
    }).ready(db);
    await createLetter(db);
  });

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test('two web processes and one worker, each of its own role; a signature is mailed and confirmed', async () => {
    await until('two web processes and a worker', () => {
      const roles = children(app.pid)
        .map((c) => c.role)
        .sort();
      return roles.join(',') === 'web,web,worker';
    });
    const email = 'several-processes@example.org';
    const ip = nextIp();
    const { cookie, csrf } = await readForm(app.url, ip);
    const res = await fetch(`${app.url}/letters/${SLUG}/sign`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
      body: signBody(csrf, email),
    });
    expect(res.status).toBe(303);
    await until('the confirmation email', () => smtp.countTo(email) === 1);
    const link = smtp.confirmLink(email);
    const page = await fetch(link, { headers: { 'x-forwarded-for': ip } });
    const html = await page.text();
    const token = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
    const pageCookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const confirmed = await fetch(link, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: pageCookie || cookie,
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams({ _csrf: token ?? '', visibility: 'public' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    const [row] = await db.query<{ status: string }>(`SELECT status FROM signatures WHERE email = $1`, [email]);
    expect(row?.status).toBe('confirmed');
  });

  test('a web process that dies is replaced, and the site answers all along', async () => {
    const [victim] = children(app.pid).filter((c) => c.role === 'web');
    expect(victim).toBeDefined();
    process.kill(victim.pid, 'SIGKILL');
    // Once the command has seen it go (its exit collected), the other web process answers, before
    // any replacement has started.
    await until('the killed process to be gone', () => !alive(victim.pid));
    const res = await fetch(`${app.url}/letters/${SLUG}`);
    expect(res.status).toBe(200);
    await until('a new web process in its place', () => {
      const now = children(app.pid);
      return now.filter((c) => c.role === 'web').length === 2 && !now.some((c) => c.pid === victim.pid);
    });
    for (let i = 0; i < 6; i++) expect((await fetch(`${app.url}/letters/${SLUG}`)).status).toBe(200);
  });

  test('SIGTERM stops every process, and the command exits 0', async () => {
    const pids = children(app.pid).map((c) => c.pid);
    expect(pids).toHaveLength(3);
    app.kill('SIGTERM');
    const { code } = await app.exited;
    expect(code).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
