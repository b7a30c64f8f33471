import type { Feature } from '../../platform/feature';
import { MySignaturesLink } from './my-signatures-link.entity';
import { mySignaturesRouter } from './my-signatures.router';
import { mySignaturesJobs } from './tasks';

export { MySignaturesLink } from './my-signatures-link.entity';
export { mySignaturesRouter } from './my-signatures.router';
export { forgetAddress } from './my-signatures.service';
export { mySignaturesJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'my-signatures',
  entities: [MySignaturesLink],
  jobs: mySignaturesJobs,
  views: ['my-signatures'],
  messages: ['my-signatures'],
  routes: (ctx) => ({ pages: [mySignaturesRouter(ctx)] }),
};
