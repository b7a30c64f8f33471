import crypto from 'node:crypto';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import { signForm } from '../../support/factories';
import { solvedChallenge } from '../../support/challenge';
import { confirmByLink } from '../../support/journey';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { setChallengeMode } from '../../../src/features/abuse';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { applyAutoRelease } from '../../../src/features/organisers/held-queue.service';

/**
 * The release rule against a bot that does everything a person does: it solves the challenge (a
 * fraction of a second of CPU each), signs from one network with addresses at a domain of its own
 * and at a disposable-address provider, and confirms every signature through its own mailboxes.
 */

/** A documentation-range address no other test uses, so limit counters never meet. */
function anIp(): string {
  const b = crypto.randomBytes(3);
  return `100.${64 + (b[0] % 64)}.${b[1]}.${b[2] || 1}`;
}

/** The per-network burst limit lets all 14 of one network through it but the last two; the domain's burst limit holds the 11th and 12th at it. */
const IP_BURST = 12;
const DOMAIN_BURST = 10;

const t = useTestApp({
  TRUST_PROXY: 'loopback',
  SIGN_BURST_PER_IP_PER_MINUTE: String(IP_BURST),
  SIGN_BURST_PER_DOMAIN_PER_MINUTE: String(DOMAIN_BURST),
});

async function botSigns(slug: string, email: string, ip: string): Promise<void> {
  const b = browser(t.app);
  const csrf = await b.csrfFrom(`/letters/${slug}`);
  const altcha = await solvedChallenge(t.app, slug);
  const res = await b.agent
    .post(`/letters/${slug}/sign`)
    .type('form')
    .set('X-Forwarded-For', ip)
    .send({ ...signForm({ email }), altcha, _csrf: csrf });
  expect(res.status).toBe(303);
}

/** 14 signatures from one network, 12 at the bot's own domain and 2 disposable, each solved and confirmed a while ago. */
async function theBotSigns(letterSlug: string, letterId: string): Promise<Array<{ held_reason: string }>> {
  const ip = anIp();
  const tag = crypto.randomBytes(3).toString('hex');
  const emails = [
    ...Array.from({ length: 12 }, (_, i) => `bot${i}.${tag}@botfarm-${tag}.example`),
    ...Array.from({ length: 2 }, (_, i) => `bot${i}.${tag}@mailinator.com`),
  ];
  for (const email of emails) await botSigns(letterSlug, email, ip);
  for (const email of emails) {
    const [mail] = await t.smtp.waitFor(email);
    expect(
      (await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'), { headers: { 'x-forwarded-for': ip } })).status,
    ).toBe(200);
  }
  // The rule's minute has passed for all of them.
  await t.db.query(`UPDATE signatures SET confirmed_at = now() - interval '2 minutes' WHERE letter_id = $1`, [
    letterId,
  ]);
  return t.db.query(
    `SELECT held_reason FROM signatures WHERE letter_id = $1 AND held_reason IS NOT NULL ORDER BY held_reason`,
    [letterId],
  );
}

describe('the automatic release rule against a bot that solves and confirms', () => {
  test.each([
    ['challenge mode off', false],
    ['challenge mode on', true],
  ])(
    'with the rule at one minute (%s), neither the domain-burst nor the disposable holds are released or counted',
    async (_, mode) => {
      const owner = await anOrganiser(t.db);
      const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
      const b = await signInAs(t.app, t.smtp, owner.email);
      const held = `/organise/letters/${letter.slug}/held`;
      expect((await postForm(b, held, `${held}/auto-release`, { enabled: 'on', minutes: '1' })).status).toBe(303);
      if (mode) await setChallengeMode(t.ctx, letter.id, true, { id: owner.id, name: owner.name });

      const holds = await theBotSigns(letter.slug, letter.id);
      expect(holds.map((h) => h.held_reason)).toEqual([
        'burst-domain',
        'burst-domain',
        'disposable-domain',
        'disposable-domain',
      ]);
      // Whether challenge mode was on when each solution was checked is on the signature.
      const modes: Array<{ challenge_mode: boolean; challenge_solved: boolean }> = await t.db.query(
        `SELECT DISTINCT challenge_mode, challenge_solved FROM signatures WHERE letter_id = $1`,
        [letter.id],
      );
      expect(modes).toEqual([{ challenge_mode: mode, challenge_solved: true }]);
      const counted = await verifiedCount(t.db, letter.id);
      expect(counted).toBe(14 - holds.length);

      await applyAutoRelease(t.ctx);
      const still: Array<{ n: number }> = await t.db.query(
        `SELECT count(*)::int AS n FROM signatures WHERE letter_id = $1 AND held_reason IS NOT NULL AND released_at IS NULL`,
        [letter.id],
      );
      expect(still[0].n).toBe(holds.length);
      expect(await verifiedCount(t.db, letter.id)).toBe(counted);
    },
    120_000,
  );
});
