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
