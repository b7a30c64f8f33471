import type { DataSource } from 'typeorm';
import type { Config } from '../platform/config';
import { migrateWith, openDatabaseWith, type Database } from '../platform/db/connect';
import { buildDataSource, type EntityList } from '../platform/db/data-source';
import type { Logger } from '../platform/logger';
import { ApiToken } from '../features/api';
import { AuditEvent } from '../core/audit';
import { Letter } from '../core/letters/letter.entity';
import { LetterTranslation } from '../core/letters/letter-translation.entity';
import { LetterTextVersion } from '../core/letters/letter-text-version.entity';
import { ExportAudit } from '../features/exports';
import { MySignaturesLink } from '../features/my-signatures';
import { LetterOrganiser, Organiser } from '../core/access';
import { TeamInvitation } from '../features/organisers';
import { PaperImport } from '../features/paper';
import { RecipientLink, RecipientLinkEvent } from '../features/recipients';
import { Signature } from '../features/signatures';
import { Token } from '../core/tokens';
import { LetterResponse, LetterUpdate } from '../features/updates';
import { WebhookDelivery, WebhookEndpoint } from '../features/webhooks';

/** Every entity, as letters core and each feature export them: db/ itself knows no feature. */
export const entities: EntityList = [
  Letter,
  LetterTranslation,
  LetterTextVersion,
  Signature,
  Token,
  Organiser,
  LetterOrganiser,
  TeamInvitation,
  LetterUpdate,
  LetterResponse,
  PaperImport,
  ExportAudit,
  AuditEvent,
  RecipientLink,
  RecipientLinkEvent,
  MySignaturesLink,
  ApiToken,
  WebhookEndpoint,
  WebhookDelivery,
];

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
