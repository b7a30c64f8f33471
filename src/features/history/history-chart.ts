import type { TFunction } from '../../platform/web/i18n';
import { formatDate, formatNumber } from '../../platform/web/i18n';
import type { Language } from '../../platform/web/languages';
import { runningTotalChartSvg } from '../../platform/web/svg-charts';
import { dailyTotals, type CountHistory } from './history.service';

/** The days whose changes a screen reader hears: the most recent ones, so the text stays short on a long-running letter. */
const SPOKEN_DAYS = 60;

// Under the chart four dates share 480 units: day and short month ("12 Nov"), made once per language.
const shortDates = new Map<Language, Intl.DateTimeFormat>();
function shortDate(lang: Language): Intl.DateTimeFormat {
  let f = shortDates.get(lang);
  if (!f)
    shortDates.set(lang, (f = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' })));
  return f;
}

/**
 * The letter page's chart of the count over time, day by day, in the page's language: an inline
 * SVG whose accessible name and description give the figures (the count on each day it changed),
 * or null before the first signature.
 */
export function countHistoryChart(history: CountHistory, lang: Language, t: TFunction): string | null {
  const days = dailyTotals(history);
  if (!days.length) return null;
  const fmtDay = (day: string) => formatDate(new Date(`${day}T00:00:00Z`), lang);
  const fmtAxisDay = (day: string) => shortDate(lang).format(new Date(`${day}T00:00:00Z`));
  const fmt = (n: number) => formatNumber(n, lang);
  const changed = days.filter((d) => d.change !== 0).slice(-SPOKEN_DAYS);
  const summary = t('history.chartDesc', {
    from: fmtDay(days[0].day),
    to: fmtDay(days[days.length - 1].day),
    total: fmt(history.total),
    count: history.total,
  });
  const desc = `${summary} ${changed.map((d) => `${fmtDay(d.day)}: ${fmt(d.value)}`).join('; ')}.`;
  return runningTotalChartSvg({
    title: t('history.chartTitle'),
    desc,
    days: days.map((d) => ({ day: d.day, value: d.value })),
    formatNumber: fmt,
    formatDay: fmtAxisDay,
    idPrefix: 'count-history',
  });
}
