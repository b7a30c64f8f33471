import type { DataSource } from 'typeorm';
import type { AuditActor } from '../../core/audit';
import type { Language, Visibility } from '../../core/letters/letter.entity';
import { recordInstanceAudit } from '../admin';
import type { TemplateInput } from './template-form.schema';

/** A letter template as admins keep it. */
export interface LetterTemplate extends TemplateInput {
  id: string;
  updatedAt: Date;
}

/** What a new letter's form starts with when its starter picks a template. */
export interface TemplatePrefill {
  templateId: string;
  name: string;
  guidance: string;
  defaultLanguage: Language;
  /** The letter's languages, default first: the form opens a version for each. */
  languages: Language[];
  goal: number | null;
  /** The deadline, `deadlineDays` from the day the letter is started (YYYY-MM-DD), or ''. */
  closesAt: string;
  publicNamesDefault: Visibility;
  title: string;
  summary: string;
  body: string;
  recipient: string;
}

interface Row {
  id: string;
  name: string;
  guidance: string;
  default_language: Language;
  languages: Language[];
  goal: number | null;
  deadline_days: number | null;
  public_names_default: Visibility;
  title: string;
  summary: string;
  body: string;
  recipient: string;
  updated_at: Date;
}

function fromRow(r: Row): LetterTemplate {
  return {
    id: r.id,
    name: r.name,
    guidance: r.guidance,
    defaultLanguage: r.default_language,
    languages: r.languages,
    goal: r.goal,
    deadlineDays: r.deadline_days,
    publicNamesDefault: r.public_names_default,
    title: r.title,
    summary: r.summary,
    body: r.body,
    recipient: r.recipient,
    updatedAt: r.updated_at,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An instance keeps a handful of templates: the list is read whole. */
export async function listTemplates(db: DataSource): Promise<LetterTemplate[]> {
  const rows = await db.query<Row[]>(`SELECT * FROM letter_templates ORDER BY lower(name), id LIMIT 200`);
  return rows.map(fromRow);
}

export async function findTemplate(db: DataSource, id: string): Promise<LetterTemplate | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.query<Row[]>(`SELECT * FROM letter_templates WHERE id = $1`, [id]);
  return row ? fromRow(row) : null;
}

function params(input: TemplateInput): unknown[] {
  return [
    input.name,
    input.guidance,
    input.defaultLanguage,
    input.languages,
    input.goal,
    input.deadlineDays,
    input.publicNamesDefault,
    input.title,
    input.summary,
    input.body,
    input.recipient,
  ];
}

export async function createTemplate(db: DataSource, input: TemplateInput, actor: AuditActor): Promise<string> {
  return db.transaction(async (tx) => {
    const [{ id }] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO letter_templates (name, guidance, default_language, languages, goal, deadline_days,
         public_names_default, title, summary, body, recipient)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      params(input),
    );
    await recordInstanceAudit(tx, { actor, action: 'templates.created', detail: { templateId: id, name: input.name } });
    return id;
  });
}

/** False when the template is gone (deleted meanwhile). */
export async function updateTemplate(
  db: DataSource,
  id: string,
  input: TemplateInput,
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [, changed] = await tx.query<[unknown, number]>(
      `UPDATE letter_templates SET name = $2, guidance = $3, default_language = $4, languages = $5, goal = $6,
         deadline_days = $7, public_names_default = $8, title = $9, summary = $10, body = $11, recipient = $12,
         updated_at = now()
       WHERE id = $1`,
      [id, ...params(input)],
    );
    if (changed !== 1) return false;
    await recordInstanceAudit(tx, { actor, action: 'templates.updated', detail: { templateId: id, name: input.name } });
    return true;
  });
}

export async function deleteTemplate(db: DataSource, id: string, actor: AuditActor): Promise<boolean> {
  if (!UUID.test(id)) return false;
  return db.transaction(async (tx) => {
    // TypeORM answers a DELETE with [rows, affected].
    const [rows] = await tx.query<[Array<{ name: string }>, number]>(
      `DELETE FROM letter_templates WHERE id = $1 RETURNING name`,
      [id],
    );
    if (!rows.length) return false;
    await recordInstanceAudit(tx, {
      actor,
      action: 'templates.deleted',
      detail: { templateId: id, name: rows[0].name },
    });
    return true;
  });
}

/** The day `days` after `from`, as a date field holds it (UTC). */
function dayAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** What a new letter's form is filled with from a template, on the day it is started. */
export function templatePrefill(template: LetterTemplate, today = new Date()): TemplatePrefill {
  return {
    templateId: template.id,
    name: template.name,
    guidance: template.guidance,
    defaultLanguage: template.defaultLanguage,
    languages: template.languages,
    goal: template.goal,
    closesAt: template.deadlineDays ? dayAfter(today, template.deadlineDays) : '',
    publicNamesDefault: template.publicNamesDefault,
    title: template.title,
    summary: template.summary,
    body: template.body,
    recipient: template.recipient,
  };
}

/** What the starting forms need: the templates to choose from, and a chosen one's prefill. */
export interface LetterTemplatesAccess {
  choices(): Promise<Array<{ id: string; name: string }>>;
  prefill(id: string): Promise<TemplatePrefill | null>;
}

export function letterTemplatesAccess(db: DataSource): LetterTemplatesAccess {
  return {
    choices: async () => (await listTemplates(db)).map((t) => ({ id: t.id, name: t.name })),
    prefill: async (id) => {
      const template = await findTemplate(db, id);
      return template ? templatePrefill(template) : null;
    },
  };
}
