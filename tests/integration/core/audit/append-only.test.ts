import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { listAudit, recordAudit } from '../../../../src/core/audit';
import { createDataSource } from '../../../../src/app/data-source';
import { aLetter } from '../../../support/factories';

describe('the audit trail', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await createDataSource(process.env.TEST_DB_URL!).initialize();
  });
  afterAll(() => db.destroy());

  it('keeps what was appended, newest first, filterable by kind', async () => {
    const letter = await aLetter(db);
    await recordAudit(db, {
      letterId: letter.id,
      actor: { id: '00000000-0000-4000-8000-000000000001', name: 'O. Organiser' },
      kind: 'organisers.letter-created',
    });
    await recordAudit(db, {
      letterId: letter.id,
      actor: null,
      kind: 'abuse.signature-invalidated',
      detail: { signatureId: 'x', reason: 'duplicate-person' },
    });
    const all = await listAudit(db, letter.id);
    expect(all.map((e) => e.kind)).toEqual(['abuse.signature-invalidated', 'organisers.letter-created']);
    expect(all[1].actorName).toBe('O. Organiser');
    expect(all[0].detail).toEqual({ signatureId: 'x', reason: 'duplicate-person' });
    expect((await listAudit(db, letter.id, { kind: 'organisers.letter-created' })).length).toBe(1);
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database, whoever asks', async () => {
    const letter = await aLetter(db);
    await recordAudit(db, { letterId: letter.id, actor: null, kind: 'organisers.letter-created' });
    await expect(db.query(`UPDATE audit_events SET kind = 'forged' WHERE letter_id = $1`, [letter.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query(`DELETE FROM audit_events WHERE letter_id = $1`, [letter.id])).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect((await listAudit(db, letter.id)).map((e) => e.kind)).toEqual(['organisers.letter-created']);
  });
});
