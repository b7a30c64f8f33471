import crypto from 'node:crypto';
import 'reflect-metadata';
import { Client } from 'pg';
import { listAudit, recordAudit, verifyAuditChain } from '../../../src/core/audit';
import { entities } from '../../../src/app/data-source';
import { migrateWith } from '../../../src/platform/db/connect';
import { createLogger } from '../../../src/platform/logger';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { aLetter, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { startTestApp, type TestApp } from '../../support/test-app';

const ROLE = `undersigned_app_${process.pid}`;
// A password of its own: a server that asks for one (the embedded PostgreSQL of `npm test` on a
// fresh machine) would refuse a role with none, and one that trusts loopback ignores it.
const PASSWORD = crypto.randomBytes(12).toString('hex');

/** Runs `fn` on a connection of its own (owner's or runtime's) and closes it. */
async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('two roles: the owner migrates, the app runs as a role that owns nothing', () => {
  const ownerUrl = process.env.TEST_DB_URL!;
  const appUrl = (() => {
    const u = new URL(ownerUrl);
    u.username = ROLE;
    u.password = PASSWORD;
    return u.toString();
  })();
  let t: TestApp;

  beforeAll(async () => {
    await withClient(ownerUrl, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
      await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    });
    // As a process started with both variables does: migrate as the owner, then grant the runtime role.
    await migrateWith(
      entities,
      { MIGRATION_DATABASE_URL: ownerUrl, DATABASE_URL: appUrl },
      null as never,
      createLogger('silent'),
    );
    t = await startTestApp({ DATABASE_URL: appUrl });
  });

  afterAll(async () => {
    await t?.close();
    await withClient(ownerUrl, async (c) => {
      await c.query(`DROP OWNED BY ${ROLE}`);
      await c.query(`DROP ROLE ${ROLE}`);
    });
  });

  test('the app really connects as the runtime role, which owns no table', async () => {
    const [me] = await t.db.query<Array<{ u: string }>>('SELECT current_user AS u');
    expect(me.u).toBe(ROLE);
    const owned = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1`,
      [ROLE],
    );
    expect(Number(owned[0].n)).toBe(0);
  });

  test('cannot disable the trigger, nor UPDATE, DELETE or TRUNCATE the trail, nor touch its chain heads', async () => {
    const letter = await aLetter(t.db);
    await recordAudit(t.db, { letterId: letter.id, actor: null, kind: 'organisers.letter-created' });
    await withClient(appUrl, async (c) => {
      await expect(c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change')).rejects.toThrow(
        /must be owner/,
      );
      await expect(c.query('ALTER TABLE audit_events DISABLE TRIGGER ALL')).rejects.toThrow(/must be owner/);
      await expect(
        c.query(`UPDATE audit_events SET kind = 'forged' WHERE letter_id = $1`, [letter.id]),
      ).rejects.toThrow(/permission denied/);
      await expect(c.query(`DELETE FROM audit_events WHERE letter_id = $1`, [letter.id])).rejects.toThrow(
        /permission denied/,
      );
      await expect(c.query('TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
      await expect(c.query(`UPDATE audit_chain_heads SET seq = 0`)).rejects.toThrow(/permission denied/);
      await expect(c.query('ALTER TABLE audit_events RENAME TO audit_events_old')).rejects.toThrow(/must be owner/);
      await expect(c.query('DROP TABLE audit_events')).rejects.toThrow(/must be owner/);
    });
    expect((await listAudit(t.db, letter.id)).map((e) => e.kind)).toEqual(['organisers.letter-created']);
    expect((await verifyAuditChain(t.db, letter.id)).ok).toBe(true);
  });

  test('the app works with it: a signature signed and confirmed through the worker, an audit row written', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    expect((await sign(t.app, letter.slug, form)).status).toBe(303);
    expect((await confirm(t, form.email)).status).toBe(200);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    await recordAudit(t.db, {
      letterId: letter.id,
      actor: null,
      kind: 'abuse.network-allowed',
      detail: { cidr: '192.0.2.0/24', note: 'a note' },
    });
    const [event] = await listAudit(t.db, letter.id);
    expect(event.detail).toMatchObject({ note: 'a note' });
  });

  test('tables the owner creates later are covered by the default privileges', async () => {
    const table = `later_table_${process.pid}`;
    await withClient(ownerUrl, (c) => c.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, x int NOT NULL)`));
    try {
      await withClient(appUrl, async (c) => {
        await c.query(`INSERT INTO ${table} (x) VALUES (1)`);
        await c.query(`UPDATE ${table} SET x = 2`);
        expect((await c.query(`SELECT x FROM ${table}`)).rows).toEqual([{ x: 2 }]);
        await c.query(`DELETE FROM ${table}`);
      });
    } finally {
      await withClient(ownerUrl, (c) => c.query(`DROP TABLE ${table}`));
    }
  });
});
