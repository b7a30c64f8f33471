import { Mailer } from '../../../../src/platform/mail/mailer';
import { smtpTransport } from '../../../../src/platform/mail/transport';
import { startWorker, type Worker } from '../../../../src/app/jobs/worker';
import { anOrganiser, signInLink } from '../../../support/organisers';
import { browser, useTestApp } from '../../../support/test-app';

/**
 * Asking for a sign-in link must cost the same whether the address is an organiser's or not:
 * otherwise the answer's timing tells who organises. The request path writes one job and nothing
 * else; the worker decides whether there is anyone to send to.
 */
// No worker at first: the jobs the requests write stay in the queue to be looked at.
const t = useTestApp({}, { worker: false });

/** The SQL the app sends through its data source while `run` runs, parameters left out. */
async function statementsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const logger = t.db.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    seen.push(query.replace(/\s+/g, ' ').trim());
    return original(query, parameters, runner);
  };
  try {
    await run();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}

async function askForLink(email: string) {
  const b = browser(t.app);
  const csrf = await b.csrfFrom('/login');
  return b.agent.post('/login').type('form').send({ email, _csrf: csrf });
}

async function signInJobs(): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM graphile_worker.jobs WHERE task_identifier = 'organiser-sign-in-email'`,
  );
  return Number(row.n);
}

async function signInTokens(): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM tokens WHERE purpose = 'sign-in'`);
  return Number(row.n);
}

describe('asking for a sign-in link', () => {
  test('does the same database work for an organiser’s address and for an unknown one', async () => {
    const organiser = await anOrganiser(t.db);
    const unknown = `nobody-${Date.now()}@example.org`;
    // One request first, so that nothing in the comparison is a first-time cost.
    await askForLink(`warm-up-${Date.now()}@example.org`);

    const jobsBefore = await signInJobs();
    const tokensBefore = await signInTokens();
    let knownAnswer = '';
    const known = await statementsDuring(async () => {
      const res = await askForLink(organiser.email);
      expect(res.status).toBe(200);
      knownAnswer = res.text.replace(/name="_csrf" value="[^"]+"/g, '');
    });
    expect(await signInJobs()).toBe(jobsBefore + 1);

    let unknownAnswer = '';
    const stranger = await statementsDuring(async () => {
      const res = await askForLink(unknown);
      expect(res.status).toBe(200);
      unknownAnswer = res.text.replace(/name="_csrf" value="[^"]+"/g, '');
    });
    expect(await signInJobs()).toBe(jobsBefore + 2);

    // The same statements in the same order, each request queueing exactly one job.
    expect(stranger).toEqual(known);
    expect(known.filter((q) => q.includes('graphile_worker.add_job'))).toHaveLength(1);
    expect(known.some((q) => /organisers/i.test(q))).toBe(false);
    // No token is made on the request path, for either.
    expect(await signInTokens()).toBe(tokensBefore);
    expect(unknownAnswer).toBe(knownAnswer);
  });

  test('the worker mails the link to an organiser and nothing to an unknown address', async () => {
    const organiser = await anOrganiser(t.db, { name: 'Айгерим Сейтказы' });
    const unknown = `stranger-${Date.now()}@example.org`;
    await askForLink(organiser.email.toUpperCase());
    await askForLink(unknown);
    const transport = smtpTransport(t.smtp.url, t.config.MAIL_FROM);
    const worker: Worker = await startWorker(t.ctx, new Mailer(transport), { foldEveryMs: 200 });
    try {
      const link = await signInLink(t.smtp, organiser.email, 0);
      const [mail] = t.smtp.to(organiser.email);
      expect(mail.text).toContain('Айгерим Сейтказы');
      // The link signs in.
      const b = browser(t.app);
      const csrf = await b.csrfFrom(link);
      const done = await b.agent.post(link).type('form').send({ _csrf: csrf });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/organise');
      // Every queued sign-in job has run (the unknown address's among them), and it sent nothing.
      for (let i = 0; i < 100 && (await signInJobs()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await signInJobs()).toBe(0);
      expect(t.smtp.to(unknown)).toHaveLength(0);
    } finally {
      await worker.stop();
      transport.close();
    }
  });
});
