import { withApp } from './bootstrap';

/** npm run migrate: brings the database named by DATABASE_URL (or the embedded one) up to date. */
void withApp(
  // withApp has migrated it by the time this runs.
  ({ log }) => {
    log.info('database is up to date');
    return Promise.resolve();
  },
  { name: 'migrate' },
);
