import type { Feature } from '../../platform/feature';
import { ApiToken } from './api-token.entity';
import { apiTokensOfMember } from './api-tokens.service';
import { apiRouter } from './api.router';
import { apiTokensRouter } from './api-tokens.router';

export { ApiToken } from './api-token.entity';
export { apiTokensOfMember } from './api-tokens.service';
export { apiRouter } from './api.router';
export { API_PAGES_CSS, apiTokensRouter } from './api-tokens.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'api',
  entities: [ApiToken],
  views: ['api'],
  messages: ['api'],
  provide: () => ({ memberAccess: [apiTokensOfMember] }),
  routes: (ctx) => ({ api: [{ path: '/api', router: apiRouter(ctx) }], pages: [apiTokensRouter(ctx)] }),
};
