import { seed } from '../../core/letters/seed';
import { withApp } from './bootstrap';

/** npm run seed: adds the sample letters if they are missing (safe to run again). */
void withApp(
  async ({ db, log }) => {
    const result = await seed(db);
    log.info(result, 'seed done');
  },
  { name: 'seed' },
);
