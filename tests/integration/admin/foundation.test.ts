/**
 * The instance's admin foundation: the first admin made at the command line, the instance's
 * settings as a fresh instance has them, and the admins' own trail.
 */
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Organiser } from '../../../src/core/access/organiser.entity';
import { instanceSettings, listInstanceAudit, recordInstanceAudit, startPolicy } from '../../../src/features/admin';
import { anOrganiser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

const root = path.resolve(__dirname, '../../..');
function organiserCli(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: process.env.TEST_DB_URL, LOG_LEVEL: 'silent' };
  return promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['src/app/cli/organiser.ts', ...args], {
    cwd: root,
    env,
    timeout: 60_000,
  });
}

describe('instance admins from the command line', () => {
  test('add --admin makes an admin; unadmin and admin change an existing organiser', async () => {
    const email = `first-admin-${Date.now()}@example.org`;
    const added = await organiserCli('add', email, '--name', 'First Admin', '--admin');
    expect(added.stdout).toContain(`Added admin ${email}`);
    const repo = t.db.getRepository(Organiser);
    expect((await repo.findOneByOrFail({ email })).isAdmin).toBe(true);

    const other = await anOrganiser(t.db);
    expect(other.isAdmin).toBe(false);
    expect((await organiserCli('admin', other.email)).stdout).toContain('is now an admin');
    expect((await repo.findOneByOrFail({ id: other.id })).isAdmin).toBe(true);
    expect((await organiserCli('unadmin', other.email)).stdout).toContain('is no longer an admin');
    expect((await repo.findOneByOrFail({ id: other.id })).isAdmin).toBe(false);
  }, 120_000);
});

describe('instance settings', () => {
  test('a fresh instance lets only invited people start letters, needs no co-sponsors, and publishes four reasons', async () => {
    const settings = await instanceSettings(t.db);
    expect(await startPolicy(t.db)).toBe(settings.startPolicy);
    expect(['invited', 'approve', 'open']).toContain(settings.startPolicy);
    const [fresh] = await t.db.query<Array<{ start_policy: string; cosponsors_required: number }>>(
      `SELECT column_default AS start_policy, (SELECT column_default FROM information_schema.columns WHERE table_name = 'instance_settings' AND column_name = 'cosponsors_required') AS cosponsors_required
         FROM information_schema.columns WHERE table_name = 'instance_settings' AND column_name = 'start_policy'`,
    );
    expect(fresh.start_policy).toContain('invited');
    expect(String(fresh.cosponsors_required)).toBe('0');
    expect(settings.reasons.map((r) => r.key)).toEqual(
      expect.arrayContaining(['duplicate', 'no-addressee', 'hateful', 'unlawful']),
    );
  });
});

describe("the instance's trail", () => {
  test('records what an admin did, newest first, naming the admin and never an address', async () => {
    const admin = await anOrganiser(t.db, { name: 'Trail Admin' });
    await recordInstanceAudit(t.db, {
      actor: { id: admin.id, name: admin.name },
      action: 'admin.settings-changed',
      detail: { startPolicy: 'approve' },
    });
    await recordInstanceAudit(t.db, { actor: null, action: 'admin.organiser-added', detail: { name: 'X' } });
    const { entries } = await listInstanceAudit(t.db, { limit: 2 });
    expect(entries[0]).toMatchObject({ actorId: null, action: 'admin.organiser-added' });
    expect(entries[1]).toMatchObject({
      actorId: admin.id,
      actorName: 'Trail Admin',
      action: 'admin.settings-changed',
      detail: { startPolicy: 'approve' },
    });
  });
});
