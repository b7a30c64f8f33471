import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { migrateWith, openDatabaseWith, type Database } from './db/connect';
import { buildDataSource, type EntityList } from './db/data-source';
import type { Logger } from './logger';
import { ApiToken } from './api';
import { AuditEvent } from './audit';
import { Letter } from './letters/letter.entity';
import { LetterTranslation } from './letters/letter-translation.entity';
import { LetterTextVersion } from './letters/letter-text-version.entity';
import { ExportAudit } from './exports';
import { MySignaturesLink } from './my-signatures';
import { LetterOrganiser, Organiser, TeamInvitation } from './organisers';
import { PaperImport } from './paper';
import { RecipientLink, RecipientLinkEvent } from './recipients';
import { Signature, Token } from './signatures';
import { LetterResponse, LetterUpdate } from './updates';
import { WebhookDelivery, WebhookEndpoint } from './webhooks';

/** Every entity, as letters core and each feature export them: db/ itself knows no feature. */
export const entities: EntityList = [Letter, LetterTranslation, LetterTextVersion, Signature, Token, Organiser, LetterOrganiser, TeamInvitation, LetterUpdate, LetterResponse, PaperImport, ExportAudit, AuditEvent, RecipientLink, RecipientLinkEvent, MySignaturesLink, ApiToken, WebhookEndpoint, WebhookDelivery];

export function createDataSource(url: string, opts: { poolSize?: number; applicationName?: string } = {}): DataSource {
  return buildDataSource(entities, url, opts);
}

/** DATABASE_URL when given; otherwise the embedded PostgreSQL under DATA_DIR. */
export function openDatabase(config: Config, log: Logger, opts: { poolSize?: number } = {}): Promise<Database> {
  return openDatabaseWith(entities, config, log, opts);
}

/** Brings the schema up to date as its owner (MIGRATION_DATABASE_URL's role, or `db`'s own). */
export function migrateDatabase(config: Config, db: DataSource, log: Logger): Promise<void> {
  return migrateWith(entities, config, db, log);
}
