import request from 'supertest';
import { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import {
  milestonesCrossed,
  runDailyDigest,
  TASK_OWNER_DIGEST_EMAIL,
} from '../../../src/features/updates/digest.service';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import type { ReceivedMail } from '../../support/smtp-sink';
import { useTestApp } from '../../support/test-app';
import { aSignatureOn } from '../../support/factories';
import { drained } from '../../support/jobs';

const t = useTestApp();

const HOUR = 3600_000;

function unsubscribePath(mail: ReceivedMail): string {
  const url = (mail.headers.get('list') as { unsubscribe?: { url?: string } } | undefined)?.unsubscribe?.url;
  if (!url) throw new Error('no List-Unsubscribe url');
  return new URL(url).pathname;
}

async function digestNow(): Promise<void> {
  await runDailyDigest(t.ctx);
  await drained(t.db, TASK_OWNER_DIGEST_EMAIL);
}

describe("owners' daily digest", () => {
  test('milestones are the quarters of the goal that the count passed', () => {
    expect(milestonesCrossed(8, 0, 2)).toEqual([25]);
    expect(milestonesCrossed(100, 20, 80)).toEqual([25, 50, 75]);
    expect(milestonesCrossed(100, 100, 140)).toEqual([]);
    expect(milestonesCrossed(null, 0, 1000)).toEqual([]);
  });

  test("tells each owner the day's new signatures, verification rate and milestones; editors and owners who switched it off get none", async () => {
    const owner = await anOrganiser(t.db, { name: 'Daria Owner' });
    const editor = await anOrganiser(t.db);
    const quiet = await anOrganiser(t.db);
    await t.db.getRepository(Organiser).update({ id: quiet.id }, { digestEnabled: false });
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 8, title: 'Stop the deportation' });
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    await aLetterOf(t.db, quiet, 'owner');

    // Yesterday's signers: two confirmed (25% of 8 reached), one still pending.
    await aSignatureOn(t.db, letter.id, {
      createdAt: new Date(Date.now() - 3 * HOUR),
      confirmedAt: new Date(Date.now() - 2 * HOUR),
    });
    await aSignatureOn(t.db, letter.id, {
      createdAt: new Date(Date.now() - 5 * HOUR),
      confirmedAt: new Date(Date.now() - 4 * HOUR),
    });
    await aSignatureOn(t.db, letter.id, { status: 'pending', createdAt: new Date(Date.now() - HOUR) });
    // An older signature is in the total, not in the day.
    // (confirmed two days ago, signed three days ago)
    await aSignatureOn(t.db, letter.id, {
      createdAt: new Date(Date.now() - 72 * HOUR),
      confirmedAt: new Date(Date.now() - 48 * HOUR),
    });

    await digestNow();
    const [mail] = await t.smtp.waitFor(owner.email);
    expect(mail.subject).toMatch(/^Your letters, day to /);
    expect(mail.text).toContain('Hello Daria Owner,');
    expect(mail.text).toContain('Stop the deportation');
    expect(mail.text).toContain('2 new verified signatures');
    expect(mail.text).toContain('67% of the 3 people who signed confirmed by email');
    expect(mail.text).toContain('3 of 8 signatures in total');
    expect(mail.text).toContain('Milestone reached: 25% of the goal');
    expect(mail.text).not.toContain('50% of the goal');
    expect(mail.html).toContain('Switch the digest off');
    expect(unsubscribePath(mail)).toMatch(/^\/u\/[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify((mail.headers.get('list') as Record<string, unknown>)['unsubscribe-post'])).toContain(
      'List-Unsubscribe=One-Click',
    );
    expect(t.smtp.to(editor.email)).toHaveLength(0);
    expect(t.smtp.to(quiet.email)).toHaveLength(0);
  });

  test('the one-click switch-off link turns the digest off, and the next day brings none', async () => {
    const owner = await anOrganiser(t.db);
    await aLetterOf(t.db, owner);
    await digestNow();
    const [mail] = await t.smtp.waitFor(owner.email);

    const page = await request(t.app).get(unsubscribePath(mail));
    expect(page.status).toBe(200);
    expect(page.text).toContain('You will no longer receive the daily digest');
    expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: owner.id })).digestEnabled).toBe(true);

    const res = await request(t.app).post(unsubscribePath(mail)).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.text).toContain('The daily digest is switched off.');
    expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: owner.id })).digestEnabled).toBe(false);

    await t.db.query(`DELETE FROM graphile_worker._private_jobs WHERE key LIKE 'digest:%'`);
    await digestNow();
    expect(t.smtp.to(owner.email).filter((m) => m.subject.startsWith('Your letters'))).toHaveLength(1);
  });

  test('the workspace setting switches the digest on and off, behind the CSRF token', async () => {
    const owner = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, owner.email);
    const page = await b.agent.get('/organise/settings/digest');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/name="digest" value="on" checked/);

    expect((await b.agent.post('/organise/settings/digest').type('form').send({})).status).toBe(403);
    expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: owner.id })).digestEnabled).toBe(true);

    const off = await postForm(b, '/organise/settings/digest', '/organise/settings/digest', {});
    expect(off.status).toBe(303);
    expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: owner.id })).digestEnabled).toBe(false);
    const on = await postForm(b, '/organise/settings/digest', '/organise/settings/digest', { digest: 'on' });
    expect(on.status).toBe(303);
    expect((await t.db.getRepository(Organiser).findOneByOrFail({ id: owner.id })).digestEnabled).toBe(true);

    expect((await request(t.app).get('/organise/settings/digest')).headers.location).toBe('/login');
  });
});
