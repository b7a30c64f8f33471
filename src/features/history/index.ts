import type { Feature } from '../../platform/feature';
import { historyRoutes } from './history.router';
import { historyJobs } from './tasks';

export {
  countHistory,
  dailyTotals,
  historyCsv,
  pruneCountHours,
  type CountHistory,
  type HistoryPeriod,
} from './history.service';
export { historyRoutes } from './history.router';
export { countHistoryChart } from './history-chart';
export { historyJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'history',
  jobs: historyJobs,
  messages: ['history'],
  routes: (ctx) => {
    // The count's history as open data, served like the letter's JSON.
    const history = historyRoutes(ctx);
    return {
      fast: [
        { path: '/letters/:slug/history.json', handler: history.json },
        { path: '/letters/:slug/history.csv', handler: history.csv },
      ],
    };
  },
};
