import { Initial1764201600000 } from './1764201600000-Initial';

/** Listed by hand so every runtime (tsx, swc, compiled JS) sees the same migrations in order. */
export const migrations = [Initial1764201600000];
