import 'reflect-metadata';
import { listAudit, recordAudit } from '../../../src/core/audit';
import { applyRetention, eraseAuditDetails } from '../../../src/features/privacy';
import { moveAuditTextOut } from '../../../migrations/1765000700000-AuditDetails';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { tFor } from '../../../src/platform/web/i18n';

/** The "who" cells of the owners' audit page, in order. */
function whoCells(html: string): string[] {
  return [...html.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
}

describe('who the trail names, and what it keeps apart so that it can be erased', () => {
  const t = useTestApp();

  test('an owner without a name who switches challenge mode on is recorded by no address, and labelled alike everywhere', async () => {
    const owner = await anOrganiser(t.db, { name: '' });
    const letter = await aLetterOf(t.db, owner);
    const b = await signInAs(t.app, t.smtp, owner.email);
    const on = await postForm(
      b,
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/challenge-mode`,
      { mode: 'on' },
    );
    expect(on.status).toBe(303);

    const rows = await t.db.query<Array<Record<string, unknown>>>(`SELECT * FROM audit_events WHERE letter_id = $1`, [
      letter.id,
    ]);
    const mode = rows.find((r) => r.kind === 'abuse.challenge-mode-on')!;
    expect(mode.actor_id).toBe(owner.id);
    expect(mode.actor_name ?? '').toBe('');
    expect(JSON.stringify(rows)).not.toContain(owner.email);

    const en = tFor('en');
    const page = await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200);
    expect(whoCells(page.text)).toContain(en('organisers.auditTrail.unnamed'));
    expect(whoCells(page.text).join('\n')).not.toContain(owner.email);
    // The letter's dashboard lists the mode's changes with the same label, not "the platform".
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    const changes = /id="challenge-mode"[\s\S]*?<\/section>/.exec(dashboard.text)?.[0] ?? dashboard.text;
    expect(changes).toContain(`(${en('organisers.auditTrail.unnamed')})`);
    expect(changes).not.toContain(owner.email);
  });

  test('free text and mail domains go to audit_details: the trail row keeps only the reference, the page joins it, and shows when it was erased', async () => {
    const owner = await anOrganiser(t.db, { name: 'Detail Owner' });
    const letter = await aLetterOf(t.db, owner);
    const reason = `Same person twice ${Date.now()}`;
    await recordAudit(t.db, {
      letterId: letter.id,
      actor: { id: owner.id, name: owner.name },
      kind: 'organisers.domain-invalidated',
      detail: { domain: 'mail-of-signers.example', reason, category: 'duplicate-person', keepName: false, count: 2 },
    });
    await recordAudit(t.db, {
      letterId: letter.id,
      actor: { id: owner.id, name: owner.name },
      kind: 'abuse.network-allowed',
      detail: { cidr: '192.0.2.0/24', note: 'Office of Anna K.' },
    });

    const rows = await t.db.query<Array<{ detail: Record<string, unknown>; detail_id: string | null; kind: string }>>(
      `SELECT detail, detail_id, kind FROM audit_events WHERE letter_id = $1 AND kind <> 'organisers.role-granted' ORDER BY id`,
      [letter.id],
    );
    expect(JSON.stringify(rows)).not.toContain(reason);
    expect(JSON.stringify(rows)).not.toContain('mail-of-signers.example');
    expect(JSON.stringify(rows)).not.toContain('Anna K.');
    expect(rows[0].detail).toMatchObject({ category: 'duplicate-person', count: 2 });
    expect(rows.every((r) => r.detail_id !== null)).toBe(true);

    const [invalidated] = await listAudit(t.db, letter.id, { kind: 'organisers.domain-invalidated' });
    expect(invalidated.detail).toMatchObject({ domain: 'mail-of-signers.example', reason, count: 2 });
    expect(invalidated.detailErased).toBe(false);

    const b = await signInAs(t.app, t.smtp, owner.email);
    const before = await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200);
    expect(before.text).toContain(reason);
    expect(before.text).toContain('mail-of-signers.example');

    const [kept] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM audit_details WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(kept.n)).toBeGreaterThanOrEqual(2);
    expect(await eraseAuditDetails(t.db, letter.id)).toBe(Number(kept.n));
    const [erased] = await listAudit(t.db, letter.id, { kind: 'organisers.domain-invalidated' });
    expect(erased.detailErased).toBe(true);
    expect(erased.detail).toMatchObject({ count: 2, category: 'duplicate-person' });
    const after = await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200);
    expect(after.text).not.toContain(reason);
    expect(after.text).not.toContain('mail-of-signers.example');
    expect(after.text).toContain(tFor('en')('organisers.auditTrail.detailErased'));
  });

  test('retention erases details older than AUDIT_DETAIL_RETENTION_DAYS, and keeps newer ones', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    await recordAudit(t.db, {
      letterId: letter.id,
      actor: null,
      kind: 'abuse.network-allowed',
      detail: { cidr: '198.51.100.0/24', note: 'old note' },
    });
    await recordAudit(t.db, {
      letterId: letter.id,
      actor: null,
      kind: 'abuse.network-allowed',
      detail: { cidr: '203.0.113.0/24', note: 'new note' },
    });
    const days = t.config.AUDIT_DETAIL_RETENTION_DAYS;
    await t.db.query(
      `UPDATE audit_details SET created_at = now() - make_interval(days => $2 + 1)
        WHERE id = (SELECT detail_id FROM audit_events WHERE letter_id = $1 AND detail->>'cidr' = '198.51.100.0/24')`,
      [letter.id, days],
    );
    const report = await applyRetention(t.db, t.config);
    expect(report.auditDetailsErased).toBeGreaterThanOrEqual(1);
    const events = await listAudit(t.db, letter.id);
    expect(events.find((e) => e.detail.cidr === '198.51.100.0/24')).toMatchObject({ detailErased: true });
    expect(events.find((e) => e.detail.cidr === '203.0.113.0/24')).toMatchObject({
      detailErased: false,
      detail: { note: 'new note' },
    });
  });

  test('the migration moves such text out of rows written before (the trigger set aside inside its own transaction)', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    // A row as the trail held them before: the reason inside the row itself.
    await t.db.query(
      `INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail) VALUES ($1, $2, $3, 'organisers.signature-invalidated', $4)`,
      [
        letter.id,
        owner.id,
        owner.name,
        JSON.stringify({ signatureId: 'legacy-1', reason: 'legacy reason text', category: 'other', keepName: false }),
      ],
    );
    const runner = t.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await moveAuditTextOut(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const [row] = await t.db.query<Array<{ detail: Record<string, unknown>; detail_id: string | null }>>(
      `SELECT detail, detail_id FROM audit_events WHERE letter_id = $1 AND kind = 'organisers.signature-invalidated'`,
      [letter.id],
    );
    expect(row.detail).toEqual({ signatureId: 'legacy-1', category: 'other', keepName: false });
    expect(row.detail_id).not.toBeNull();
    const [event] = await listAudit(t.db, letter.id, { kind: 'organisers.signature-invalidated' });
    expect(event.detail).toMatchObject({ reason: 'legacy reason text' });
    // The trigger is back on afterwards.
    await expect(t.db.query(`UPDATE audit_events SET kind = kind WHERE letter_id = $1`, [letter.id])).rejects.toThrow(
      /append-only/,
    );
  });
});
