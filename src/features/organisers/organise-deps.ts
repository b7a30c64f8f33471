import type { Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import type { OrganiserLocals } from '../../core/access/auth.middleware';
import type { MemberAccessFn } from '../../core/access/member-access';

/**
 * What a feature above adds to the delivery area of the dashboard (the recipient links): a view
 * and its locals, or null. Passed down by the composition, since organisers cannot import it.
 */
export type DeliveryPanelFn = (
  letter: Letter,
  role: string | undefined,
) => Promise<{ view: string; locals: Record<string, unknown> } | null>;

/** A template a new letter can start from, as the feature that keeps them hands it down. */
export interface TemplatePrefillValues {
  templateId: string;
  name: string;
  guidance: string;
  defaultLanguage: string;
  languages: string[];
  goal: number | null;
  closesAt: string;
  publicNamesDefault: string;
  title: string;
  summary: string;
  body: string;
  recipient: string;
}

/** The admins' letter templates: the list to choose from, and a chosen one's values. */
export interface LetterTemplatesFn {
  choices(): Promise<Array<{ id: string; name: string }>>;
  prefill(id: string): Promise<TemplatePrefillValues | null>;
}

/** What the workspace's handlers are given: the app, and what features above hand down. */
export interface OrganiseDeps {
  ctx: AppContext;
  above: { deliveryPanel?: DeliveryPanelFn; memberAccess?: MemberAccessFn[]; letterTemplates?: LetterTemplatesFn };
}

/** The signed-in organiser, and on a letter's routes the letter and their role on it. */
export function locals(res: Response): Required<OrganiserLocals> {
  return res.locals as Required<OrganiserLocals>;
}
