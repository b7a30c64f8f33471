import crypto from 'node:crypto';
import { aLetter, signForm } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';
import { limitKeyForIp } from '../../../src/platform/web/network';

/** CI starts Redis on 127.0.0.1:6379 (.ci/run); with REDIS_URL the counters live there. */
const REDIS_URL = 'redis://127.0.0.1:6379';

describe('limits in Redis', () => {
  const env = {
    REDIS_URL,
    TRUST_PROXY: 'loopback',
    FLOOD_LIMIT_PER_IP_PER_MINUTE: '4',
    SIGN_BURST_PER_IP_PER_MINUTE: '2',
  };
  const web1 = useTestApp(env, { worker: false });
  const web2 = useTestApp(env, { worker: false });

  test('two web processes share the flood and soft limits, and PostgreSQL holds no counter', async () => {
    const letter = await aLetter(web1.db);
    const ip = `198.19.${crypto.randomBytes(1)[0]}.${crypto.randomBytes(1)[0] || 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const app = (i % 2 === 0 ? web1 : web2).app;
      const b = browser(app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
      const hex = crypto.randomBytes(4).toString('hex');
      const res = await b.agent
        .post(`/letters/${letter.slug}/sign`)
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ ...signForm({ email: `r-${hex}@d-${hex}.org` }), _csrf: csrf });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 429]);
    const held = await web1.db.query<Array<{ held_reason: string | null }>>(
      'SELECT held_reason FROM signatures WHERE letter_id = $1 ORDER BY created_at, id',
      [letter.id],
    );
    expect(held.map((r) => r.held_reason)).toEqual([null, null, 'burst-ip', 'burst-ip']);
    const key = limitKeyForIp(web1.config.SESSION_SECRET, ip);
    expect(await web1.db.query('SELECT key FROM rate_limits WHERE key LIKE $1', [`%${key}`])).toEqual([]);
  });
});
