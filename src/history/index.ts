export { countHistory, dailyTotals, historyCsv, type CountHistory, type HistoryPeriod } from './history.service';
export { historyRoutes } from './history.router';
export { countHistoryChart } from './history-chart';
