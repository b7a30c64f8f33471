import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { Letter } from '../letters/letter.entity';
import { LetterTranslation } from '../letters/letter-translation.entity';
import { Signature } from '../signatures/signature.entity';
import { Token } from '../signatures/token.entity';
import { Organiser } from '../organisers/organiser.entity';
import { LetterOrganiser } from '../organisers/letter-organiser.entity';
import { TeamInvitation } from '../organisers/team-invitation.entity';
import { LetterUpdate } from '../updates/letter-update.entity';
import { LetterResponse } from '../updates/letter-response.entity';
import { PaperImport } from '../paper/paper-import.entity';
import { ExportAudit } from '../exports/export-audit.entity';
import { migrations } from '../../migrations';

export const entities = [Letter, LetterTranslation, Signature, Token, Organiser, LetterOrganiser, TeamInvitation, LetterUpdate, LetterResponse, PaperImport, ExportAudit];

export function createDataSource(url: string, opts: { poolSize?: number; applicationName?: string } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    // Schema changes only through migrations, run under TypeORM's lock at start-up.
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: opts.applicationName ?? 'undersigned',
    extra: { max: opts.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  });
}

/** Runs pending migrations; TypeORM wraps them in one transaction. */
export async function migrate(ds: DataSource): Promise<string[]> {
  const ran = await ds.runMigrations({ transaction: 'all' });
  return ran.map((m) => m.name);
}

export type Tx = EntityManager;

/** Everything that must happen together, including enqueueing the email it causes. */
export function inTransaction<T>(ds: DataSource, work: (tx: Tx) => Promise<T>): Promise<T> {
  return ds.transaction(work);
}
