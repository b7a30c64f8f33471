import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { openDatabaseWith, type Database } from './db/connect';
import { buildDataSource, type EntityList } from './db/data-source';
import type { Logger } from './logger';
import { Letter } from './letters/letter.entity';
import { LetterTranslation } from './letters/letter-translation.entity';
import { Signature } from './signatures/signature.entity';
import { Token } from './signatures/token.entity';
import { Organiser } from './organisers/organiser.entity';
import { LetterOrganiser } from './organisers/letter-organiser.entity';
import { TeamInvitation } from './organisers/team-invitation.entity';
import { LetterUpdate } from './updates/letter-update.entity';
import { LetterResponse } from './updates/letter-response.entity';
import { PaperImport } from './paper/paper-import.entity';
import { ExportAudit } from './exports/export-audit.entity';

/** Every entity, as letters core and each feature export them: db/ itself knows no feature. */
export const entities: EntityList = [Letter, LetterTranslation, Signature, Token, Organiser, LetterOrganiser, TeamInvitation, LetterUpdate, LetterResponse, PaperImport, ExportAudit];

export function createDataSource(url: string, opts: { poolSize?: number; applicationName?: string } = {}): DataSource {
  return buildDataSource(entities, url, opts);
}

/** DATABASE_URL when given; otherwise the embedded PostgreSQL under DATA_DIR. */
export function openDatabase(config: Config, log: Logger, opts: { poolSize?: number } = {}): Promise<Database> {
  return openDatabaseWith(entities, config, log, opts);
}
