import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Letter templates, kept by the instance's admins: a skeleton (title, the ask as the summary, the
 * text, the addressee) in one language, the settings a new letter starts with (its languages, a
 * goal, a deadline so many days ahead, the preselected name display) and guidance for the person
 * who starts from it. A letter made from one keeps no link to it: the template only fills the form.
 */
export class LetterTemplates1765200710000 implements MigrationInterface {
  name = 'LetterTemplates1765200710000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE letter_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(120) NOT NULL,
        guidance text NOT NULL DEFAULT '',
        default_language varchar(5) NOT NULL,
        languages varchar(5)[] NOT NULL,
        goal integer CHECK (goal IS NULL OR goal > 0),
        deadline_days integer CHECK (deadline_days IS NULL OR deadline_days BETWEEN 1 AND 3650),
        public_names_default varchar(10) NOT NULL DEFAULT 'private',
        title varchar(200) NOT NULL DEFAULT '',
        summary varchar(400) NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        recipient varchar(300) NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (default_language = ANY (languages))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE letter_templates`);
  }
}
