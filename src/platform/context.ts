import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Limits } from './web/rate-limits';

/** What services need from the outside world; built once in main.ts (or by a test). */
export interface AppContext {
  db: DataSource;
  config: Config;
  log: Logger;
  /** Counters shared by every process; each feature brings its rules. */
  limits: Limits;
}
