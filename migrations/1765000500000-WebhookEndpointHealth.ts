import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook's health: `failing_since` is the first failed attempt since its last success (null
 * while it answers), and `disabled_at` is set when its deliveries have kept failing for 24 hours;
 * a disabled webhook gets no new deliveries until an owner enables it again.
 */
export class WebhookEndpointHealth1765000500000 implements MigrationInterface {
  name = 'WebhookEndpointHealth1765000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_endpoints ADD COLUMN failing_since timestamptz, ADD COLUMN disabled_at timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_endpoints DROP COLUMN IF EXISTS disabled_at, DROP COLUMN IF EXISTS failing_since`,
    );
  }
}
