export { ApiToken } from './api-token.entity';
export { apiTokensOfMember } from './api-tokens.service';
export { apiRouter } from './api.router';
export { API_PAGES_CSS, apiTokensRouter } from './api-tokens.router';
