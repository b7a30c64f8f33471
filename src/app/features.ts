import type { Feature } from '../platform/feature';
import { feature as abuse } from '../features/abuse';
import { feature as admin } from '../features/admin';
import { feature as api } from '../features/api';
import { feature as auditTrail } from '../features/audit-trail';
import { feature as cosponsors } from '../features/cosponsors';
import { feature as exportsFeature } from '../features/exports';
import { feature as headerImages } from '../features/header-images';
import { feature as finding } from '../features/finding';
import { feature as history } from '../features/history';
import { feature as integrity } from '../features/integrity';
import { feature as letterPage } from '../features/letter-page';
import { feature as mySignatures } from '../features/my-signatures';
import { feature as ops } from '../features/ops';
import { feature as organisers } from '../features/organisers';
import { feature as paper } from '../features/paper';
import { feature as privacy } from '../features/privacy';
import { feature as recipients } from '../features/recipients';
import { feature as reports } from '../features/reports';
import { feature as responseClock } from '../features/response-clock';
import { feature as sharing } from '../features/sharing';
import { feature as start } from '../features/start';
import { feature as signatories } from '../features/signatories';
import { feature as signatures } from '../features/signatures';
import { feature as templates } from '../features/templates';
import { feature as transparency } from '../features/transparency';
import { feature as updates } from '../features/updates';
import { feature as versions } from '../features/versions';
import { feature as webhooks } from '../features/webhooks';

/**
 * Every feature of the app, one line each. The order is the order of their pages in the request's
 * path (src/app/app.ts): a feature whose routes must be tried before another's comes first (the
 * challenge before the forms it guards; the updates' pages under /letters/:slug/… before the
 * letter page; the recipients' dashboard routes before the workspace's own).
 * tests/architecture/features.test.ts fails when a folder under src/features/ is missing here.
 */
export const FEATURES: readonly Feature[] = [
  ops,
  abuse,
  updates,
  versions,
  responseClock,
  letterPage,
  finding,
  reports,
  transparency,
  integrity,
  signatures,
  signatories,
  mySignatures,
  paper,
  headerImages,
  auditTrail,
  api,
  webhooks,
  sharing,
  recipients,
  organisers,
  exportsFeature,
  history,
  privacy,
  templates,
  cosponsors,
  admin,
  start,
];
