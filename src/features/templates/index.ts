import type { Feature } from '../../platform/feature';
import { letterTemplatesAccess } from './templates.service';
import { templatesRouter } from './templates.router';

export {
  findTemplate,
  letterTemplatesAccess,
  listTemplates,
  templatePrefill,
  type LetterTemplate,
  type LetterTemplatesAccess,
  type TemplatePrefill,
} from './templates.service';
export { templatesRouter } from './templates.router';

/** The feature, as the app composes it (src/app/features.ts): admins' letter templates. */
export const feature: Feature = {
  name: 'templates',
  views: ['templates'],
  messages: ['templates'],
  // The forms that start a letter (the workspace's new letter) offer the templates and fill
  // themselves from one; they sit below this feature, so it hands them the access.
  provide: (ctx) => ({ letterTemplates: letterTemplatesAccess(ctx.db) }),
  routes: (ctx) => ({ pages: [templatesRouter(ctx)] }),
};
