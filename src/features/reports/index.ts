import type { Feature } from '../../platform/feature';
import { reportsRouter } from './reports.router';
import { reportsJobs } from './tasks';

export { eraseReportDetails, REPORT_DETAILS_DAYS_AFTER_DECISION, REPORT_UNDECIDED_DAYS } from './reports.service';
export { REPORTS_PER_NETWORK_PER_HOUR } from './limits';
export { REPORT_REASONS, type ReportReason } from './report.schema';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'reports',
  jobs: reportsJobs,
  views: ['reports'],
  messages: ['reports'],
  routes: (ctx) => ({ pages: [reportsRouter(ctx)] }),
};
