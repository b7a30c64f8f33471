import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search results and link previews cut a title after about 70 characters, and letters' titles
 * are often longer. Each version may carry a short title for the page title and the share cards;
 * NULL means "use the title".
 */
export class ShortTitles1764207000000 implements MigrationInterface {
  name = 'ShortTitles1764207000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letter_translations ADD COLUMN short_title varchar(70)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letter_translations DROP COLUMN short_title`);
  }
}
