import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { actorLabel, type AuditEvent, ERASABLE_DETAIL_KEYS } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import type { TFunction } from '../../platform/web/i18n';
import { parseForm } from '../../platform/web/validate';
import { requireLetterRole, requireOrganiser, type OrganiserLocals } from '../../core/access/auth.middleware';
import { auditTrailPage } from './audit-trail.service';

/** `<catalogue>.<action>`, as recordAudit writes it; empty shows every kind. */
const auditFilterSchema = z.object({
  kind: z
    .string({ message: 'organisers.errors.invalid' })
    .optional()
    .transform((s) => s ?? '')
    .pipe(
      z
        .string()
        .max(40, { message: 'organisers.errors.invalid' })
        .regex(/^(?:[a-z][a-z0-9-]*\.[a-z0-9-]+)?$/, { message: 'organisers.errors.invalid' }),
    )
    .transform((s) => s || null),
});

function split(kind: string): [string, string] | null {
  const at = kind.indexOf('.');
  return at > 0 ? [kind.slice(0, at), kind.slice(at + 1)] : null;
}

/** `t('<catalogue>.audit.<action>', detail)`; a kind no catalogue names is shown as it is stored. */
function describe(t: TFunction, e: AuditEvent, organisers: Map<string, string>): string {
  const parts = split(e.kind);
  if (!parts) return e.kind;
  const memberId = typeof e.detail.organiserId === 'string' ? e.detail.organiserId : null;
  const member =
    (typeof e.detail.member === 'string' && e.detail.member) ||
    (memberId && organisers.get(memberId)) ||
    t('organisers.auditTrail.unnamed');
  // An erased detail (audit_details) reads as "erased" where the text stood.
  const erased = e.detailErased
    ? Object.fromEntries(ERASABLE_DETAIL_KEYS.map((k) => [k, t('organisers.auditTrail.erasedText')]))
    : {};
  return (
    t(`${parts[0]}.audit.${parts[1]}`, {
      ...erased,
      ...(e.detailErased ? { key: t('organisers.auditTrail.erasedText') } : {}),
      ...e.detail,
      member,
      defaultValue: '',
    }) || e.kind
  );
}

function kindName(t: TFunction, kind: string): string {
  const parts = split(kind);
  return (parts && t(`${parts[0]}.auditKind.${parts[1]}`, { defaultValue: '' })) || kind;
}

/**
 * The letter's audit trail, for its owners only: newest first, filtered by kind with a GET form
 * (no JavaScript needed). Each line says when, who and what.
 */
export function auditRouter(ctx: AppContext): Router {
  const r = Router();

  r.get(
    '/organise/letters/:slug/audit',
    requireOrganiser,
    requireLetterRole(ctx, 'owner'),
    async (req: Request, res: Response) => {
      const letter = (res.locals as OrganiserLocals).letter!;
      const filter = parseForm(auditFilterSchema, { kind: req.query.kind });
      const kind = filter.ok ? filter.data.kind : null;
      const page = await auditTrailPage(ctx.db, letter.id, kind);
      const whenFormat = new Intl.DateTimeFormat(req.lang, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      });
      res.status(filter.ok ? 200 : 422).render('organise/audit', {
        title: req.t('organisers.auditTrail.title'),
        kind,
        errors: filter.ok ? {} : filter.errors,
        kinds: page.kinds.map((k) => ({ value: k, label: kindName(req.t, k) })),
        limited: page.limited,
        entries: page.events.map((e) => ({
          at: e.createdAt.toISOString(),
          when: `${whenFormat.format(e.createdAt)} UTC`,
          who: actorLabel(e.actorId, e.actorName, {
            platform: req.t('organisers.auditTrail.platform'),
            unnamed: req.t('organisers.auditTrail.unnamed'),
          }),
          what: describe(req.t, e, page.organisers),
          erased: e.detailErased === true,
        })),
      });
    },
  );

  return r;
}
