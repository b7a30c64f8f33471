import request from 'supertest';
import { aLetter, signForm } from '../../support/factories';
import { linkFrom } from '../../support/smtp-sink';
import { confirmByLink, sign } from '../../support/journey';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { startTestApp, useTestApp } from '../../support/test-app';
import { buildApp } from '../../../src/app/app';
import { createLogger } from '../../../src/platform/logger';
import { Mailer } from '../../../src/platform/mail/mailer';
import { devMailboxTransport } from '../../../src/platform/mail/transport';
import { startWorker } from '../../../src/app/jobs/worker';

describe('verification email delivery', () => {
  const t = useTestApp();

  test('while SMTP refuses connections the email waits in the outbox, and arrives exactly once when it is back', async () => {
    const letter = await aLetter(t.db);
    t.smtp.refuse(true);
    const form = signForm();
    const res = await sign(t.app, letter.slug, form);
    expect(res.status).toBe(303); // the signer is answered at once: mail never goes out inside the request
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.smtp.to(form.email)).toHaveLength(0);
    const [job] = await t.db.query(
      `SELECT attempts, last_error FROM graphile_worker._private_jobs WHERE payload->>'kind' = 'confirm' AND attempts > 0 ORDER BY id DESC LIMIT 1`,
    );
    expect(job.attempts).toBeGreaterThanOrEqual(1);
    t.smtp.refuse(false);
    // graphile-worker retries with exponential backoff (e^attempts seconds)
    await t.smtp.waitFor(form.email, 1, 20000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(t.smtp.to(form.email)).toHaveLength(1);
  }, 40000);

  test('emails go out in the language the signer used, as HTML and plain text', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form, { lang: 'uk' });
    const [mail] = await t.smtp.waitFor(form.email);
    const en = signForm();
    await sign(t.app, letter.slug, en, { lang: 'en' });
    const [enMail] = await t.smtp.waitFor(en.email);
    expect(mail.subject).not.toBe(enMail.subject.replace(/^.*?:/, ''));
    expect(mail.html).toContain('lang="uk"');
    expect(mail.text.length).toBeGreaterThan(50);
    expect(mail.text).toContain('/s/confirm/');
    expect(mail.html).toContain('/s/confirm/');
  });

  test('signers of one letter who sign together each get their own links, in the HTML and the text, and each link is theirs', async () => {
    const letter = await aLetter(t.db);
    const forms = [
      signForm({ fullName: 'Дана Ахметова' }),
      signForm({ fullName: 'Oksana Petrenko' }),
      signForm({ fullName: 'Luc Martin' }),
    ];
    await Promise.all(forms.map((f) => sign(t.app, letter.slug, f)));
    const mails = await Promise.all(forms.map(async (f) => (await t.smtp.waitFor(f.email))[0]));
    const links = mails.map((m) => ({ confirm: linkFrom(m, '/s/confirm/'), withdraw: linkFrom(m, '/s/withdraw/') }));
    for (const [i, m] of mails.entries()) {
      expect(m.html).toContain(`href="${links[i].confirm}"`);
      expect(m.html).toContain(`href="${links[i].withdraw}"`);
      expect(m.text).toContain(links[i].confirm);
      expect(m.text).toContain(links[i].withdraw);
      expect(m.text + m.html).not.toContain('links.invalid');
    }
    expect(new Set(links.flatMap((l) => [l.confirm, l.withdraw])).size).toBe(6);
    // Each link confirms its own signer's signature.
    await confirmByLink(t.app, new URL(links[1].confirm).pathname);
    const [row] = await t.db.query(`SELECT full_name FROM signatures WHERE letter_id = $1 AND status = 'confirmed'`, [
      letter.id,
    ]);
    expect(row.full_name).toBe('Oksana Petrenko');
  });
});

// Its own block: no other app's worker runs meanwhile, so the reminder can only reach this sink.
describe('reminders', () => {
  test('a signature never confirmed gets one reminder, and a confirmed one gets none', async () => {
    const soon = await startTestApp({ REMINDER_AFTER_HOURS: '0.0005' }); // about two seconds
    try {
      const letter = await aLetter(soon.db);
      const waiting = signForm();
      const prompt = signForm();
      await sign(soon.app, letter.slug, waiting);
      await sign(soon.app, letter.slug, prompt);
      const [first] = await soon.smtp.waitFor(prompt.email);
      expect((await confirmByLink(soon.app, linkFrom(first, '/s/confirm/'))).status).toBe(200);
      const mails = await soon.smtp.waitFor(waiting.email, 2, 20000);
      expect(mails[1].subject).toMatch(/^Reminder/);
      // the reminder's link opens the same page: opening it changes nothing, its button confirms
      const reminderLink = linkFrom(mails[1], '/s/confirm/');
      const opened = await request(soon.app).get(new URL(reminderLink).pathname).expect(200);
      expect(opened.text).toContain('Confirm my signature');
      expect(await verifiedCount(soon.db, letter.id)).toBe(1);
      const confirmed = await confirmByLink(soon.app, reminderLink);
      expect(confirmed.status).toBe(200);
      expect(confirmed.text).toContain('your signature is confirmed');
      expect(await verifiedCount(soon.db, letter.id)).toBe(2);
      await new Promise((r) => setTimeout(r, 3000));
      expect(soon.smtp.to(waiting.email)).toHaveLength(2);
      expect(soon.smtp.to(prompt.email)).toHaveLength(1);
    } finally {
      await soon.close();
    }
  }, 40000);
});

describe('the development mailbox', () => {
  test('with no SMTP server, mail is kept and shown at /dev/mailbox with clickable links', async () => {
    const t = await startTestApp({}, { worker: false });
    try {
      const worker = await startWorker(t.ctx, new Mailer(devMailboxTransport(t.db, createLogger('silent'))));
      const app = buildApp(t.ctx, { devMailbox: true });
      const letter = await aLetter(t.db);
      const form = signForm();
      const agent = request.agent(app);
      const page = await agent.get(`/letters/${letter.slug}`);
      const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
      await agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...form, _csrf: csrf })
        .expect(303);
      let id: string | undefined;
      for (let i = 0; i < 100 && !id; i++) {
        const rows = await t.db.query('SELECT id FROM dev_mailbox WHERE recipient = $1', [form.email]);
        id = rows[0]?.id;
        if (!id) await new Promise((r) => setTimeout(r, 100));
      }
      await worker.stop();
      expect(id).toBeDefined();
      const list = await agent.get('/dev/mailbox').expect(200);
      expect(list.text).toContain(`/dev/mailbox/${id}`);
      const message = await agent.get(`/dev/mailbox/${id}`).expect(200);
      const link = message.text.match(/<a href="(http:\/\/undersigned\.test\/s\/confirm\/[^"]+)"/)![1];
      expect((await confirmByLink(app, link)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('is not mounted when the app is built for real mail', async () => {
    const t = await startTestApp({}, { worker: false });
    try {
      await request(t.app).get('/dev/mailbox').expect(404);
    } finally {
      await t.close();
    }
  });
});
