import 'reflect-metadata';
import { Client } from 'pg';
import pdfParse from 'pdf-parse';
import { auditChainHead, recordAudit, verifyAuditChain } from '../../../../src/core/audit';
import { aLetterOf, anOrganiser, signInAs } from '../../../support/organisers';
import { useTestApp } from '../../../support/test-app';
import { download } from '../../../support/exports';

/**
 * Changes the trail the way only someone holding the table's owner role (here the superuser)
 * can: the append-only trigger set aside for one transaction.
 */
async function asOwnerWithoutTrigger(sql: string, params: unknown[]): Promise<void> {
  const c = new Client({ connectionString: process.env.TEST_DB_URL });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
    await c.query(sql, params);
    await c.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

describe("the audit trail's hash chain", () => {
  const t = useTestApp();

  test('links each entry of a letter to the one before, without forks under concurrent inserts', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    const n = 24;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        t.db.transaction(async (tx) => {
          await recordAudit(tx, { letterId: letter.id, actor: null, kind: 'organisers.letter-edited', detail: { i } });
        }),
      ),
    );
    const rows = await t.db.query<Array<{ chain_seq: string; prev_hash: Buffer | null; hash: Buffer }>>(
      `SELECT chain_seq, prev_hash, hash FROM audit_events WHERE letter_id = $1 ORDER BY chain_seq`,
      [letter.id],
    );
    const expected = n + 1; // and the role granted when the letter got its owner
    expect(rows.length).toBe(expected);
    expect(rows.map((r) => Number(r.chain_seq))).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    expect(rows[0].prev_hash).toBeNull();
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash!.equals(rows[i - 1].hash)).toBe(true);

    const verdict = await verifyAuditChain(t.db, letter.id);
    expect(verdict).toMatchObject({ ok: true, entries: expected, brokenAt: null });
    const head = await auditChainHead(t.db, letter.id);
    expect(head).toEqual({ seq: expected, hash: rows[rows.length - 1].hash.toString('hex') });
  });

  test('a row changed, or the newest removed, by the owner role with the trigger disabled is detected', async () => {
    const owner = await anOrganiser(t.db);
    const changed = await aLetterOf(t.db, owner);
    const shortened = await aLetterOf(t.db, owner);
    for (const letter of [changed, shortened]) {
      for (let i = 0; i < 3; i++)
        await recordAudit(t.db, { letterId: letter.id, actor: null, kind: 'organisers.letter-edited', detail: { i } });
      expect((await verifyAuditChain(t.db, letter.id)).ok).toBe(true);
    }
    const [second] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM audit_events WHERE letter_id = $1 ORDER BY chain_seq OFFSET 1 LIMIT 1`,
      [changed.id],
    );
    await asOwnerWithoutTrigger(`UPDATE audit_events SET detail = '{"i": 99}'::jsonb WHERE id = $1`, [second.id]);
    expect(await verifyAuditChain(t.db, changed.id)).toMatchObject({ ok: false, brokenAt: second.id });

    await asOwnerWithoutTrigger(
      `DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events WHERE letter_id = $1)`,
      [shortened.id],
    );
    expect(await verifyAuditChain(t.db, shortened.id)).toMatchObject({ ok: false });
  });

  test('the delivery pack prints the chain head as it stood when the file was made', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    await recordAudit(t.db, {
      letterId: letter.id,
      actor: { id: owner.id, name: owner.name },
      kind: 'organisers.letter-edited',
      detail: {},
    });
    const head = await auditChainHead(t.db, letter.id);
    const b = await signInAs(t.app, t.smtp, owner.email);
    const res = await download(b, letter.slug, { format: 'pdf', includeEmail: false });
    expect(res.status).toBe(200);
    const text = (await pdfParse(res.body as Buffer)).text.replace(/\s+/g, '');
    expect(text).toContain(head!.hash);
  });
});
