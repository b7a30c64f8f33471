import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './logger';
import type { SignLimits } from './web/rate-limits';

/** What services need from the outside world; built once in main.ts (or by a test). */
export interface AppContext {
  db: DataSource;
  config: Config;
  log: Logger;
  limits: SignLimits;
}
