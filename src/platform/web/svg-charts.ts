/**
 * Small server-rendered SVG charts (signatures by country, signatures per day).
 *
 * The output is a plain string meant to be inlined in an HTML page:
 *  - readable without JavaScript and without any external asset (no fonts,
 *    scripts or images from another host);
 *  - accessible: role="img" with <title>/<desc> referenced by aria-labelledby;
 *    the <desc> lists the data, since a screen reader does not read the
 *    individual <text> nodes of a role="img" element;
 *  - CSP-safe: only presentation attributes (fill, stroke, font-size…), never
 *    a `style` attribute or <style> element, so `style-src` needs no
 *    'unsafe-inline';
 *  - responsive: sized only by viewBox, so it fills its container's width and
 *    scales down on phones. Cap it in page CSS if needed, e.g.
 *    `.chart { max-width: 40rem; }`;
 *  - colours meet WCAG AA on the white background the chart paints itself
 *    (so the page's background cannot break the contrast).
 *
 * Every caller-provided string is escaped. The chart title is not drawn:
 * pages are expected to have a visible heading; the title is the accessible
 * name.
 */
import { createHash } from 'node:crypto';

export type NumberFormatter = (n: number) => string;

interface ChartBase {
  /** Accessible name (SVG <title>); localised by the caller. */
  title: string;
  /** Formats values and axis ticks, e.g. Intl.NumberFormat(locale).format. Default: String(n). */
  formatNumber?: NumberFormatter;
  /** Shown instead of the chart when there is no data, e.g. "No signatures yet". */
  emptyText?: string;
  /** Overrides the generated <desc> (which lists the data in a language-neutral "label: value" form). */
  desc?: string;
  /** Prefix for the title/desc element ids; default derived from a hash of the input. Must be unique per page. */
  idPrefix?: string;
}

export interface BarChartInput extends ChartBase {
  rows: Array<{ label: string; value: number }>;
  /** Rows beyond this are dropped, or summed into one row if `otherLabel` is set. Default 10. */
  maxRows?: number;
  /** Localised label for the row that sums the rows beyond maxRows, e.g. "Other countries". */
  otherLabel?: string;
}

export interface DailyChartInput extends ChartBase {
  /** One entry per day; missing days are drawn as zero, duplicate days are summed. */
  days: Array<{ day: string /* YYYY-MM-DD */; value: number }>;
  /** Formats the x-axis day labels (default: the YYYY-MM-DD string itself). */
  formatDay?: (day: string) => string;
  /** Only the most recent `maxDays` days are drawn (default 731, two years), so a bogus date cannot make a huge SVG. */
  maxDays?: number;
}

// Palette: contrast ratios are against #ffffff.
const COLOURS = {
  background: '#ffffff',
  text: '#1f2937', // 14.7:1
  muted: '#4b5563', // 7.6:1 — tick labels
  bar: '#1d4ed8', // 6.7:1 — meets the 3:1 non-text contrast for the bars
  axis: '#6b7280', // 4.8:1
  grid: '#e5e7eb', // decorative only, carries no information
  track: '#eef2f7', // decorative only
} as const;

const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif';
const WIDTH = 480;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

// Characters XML 1.0 forbids (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF). HTML parsers tolerate some of them, but a standalone .svg
// (or the PNG conversion) would fail to parse.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape text for use in SVG/HTML element content and double- or single-quoted attributes. */
export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Coordinates with at most two decimals keep the markup short and deterministic. */
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Signature counts are never negative; NaN/Infinity from bad data become 0 rather than breaking the layout. */
function cleanValue(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text); // code points, so a surrogate pair is never split
  if (chars.length <= maxChars) return text;
  return `${chars
    .slice(0, Math.max(1, maxChars - 1))
    .join('')
    .trimEnd()}…`;
}

function chartIds(prefix: string | undefined, payload: unknown): { title: string; desc: string } {
  // Deterministic ids (same input → same markup) keep rendered pages cacheable
  // and testable; a hash rather than a counter for that reason.
  const base = prefix
    ? prefix.replace(/[^A-Za-z0-9_-]/g, '')
    : `chart-${createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 10)}`;
  const safe = /^[A-Za-z]/.test(base) ? base : `chart-${base}`;
  return { title: `${safe}-title`, desc: `${safe}-desc` };
}

function svgOpen(
  kind: string,
  width: number,
  height: number,
  title: string,
  desc: string,
  ids: { title: string; desc: string },
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(width)} ${num(height)}" ` +
    `role="img" aria-labelledby="${ids.title} ${ids.desc}" class="chart chart-${kind}" ` +
    `font-family="${escapeXml(FONT_FAMILY)}">` +
    `<title id="${ids.title}">${escapeXml(title)}</title>` +
    `<desc id="${ids.desc}">${escapeXml(desc)}</desc>` +
    `<rect width="${num(width)}" height="${num(height)}" fill="${COLOURS.background}"/>`
  );
}

function emptySvg(kind: string, input: ChartBase, ids: { title: string; desc: string }): string {
  const text = input.emptyText ?? 'No data';
  const height = 64;
  return (
    svgOpen(kind, WIDTH, height, input.title, input.desc ?? text, ids) +
    `<text x="${WIDTH / 2}" y="${height / 2 + 5}" text-anchor="middle" font-size="15" fill="${COLOURS.muted}">${escapeXml(text)}</text>` +
    `</svg>`
  );
}

/* ------------------------------------------------------------------------ */
/* Horizontal bar chart                                                     */
/* ------------------------------------------------------------------------ */

const BAR = {
  padX: 16,
  padTop: 12,
  padBottom: 10,
  rowHeight: 46,
  labelBaseline: 16,
  barOffset: 23,
  barHeight: 14,
  fontSize: 14,
  // Average advance of sans-serif glyphs ≈ 0.58em (Latin/Cyrillic); used only
  // to decide where to cut long labels, since SVG has no text-overflow.
  charWidth: 14 * 0.58,
  boldCharWidth: 14 * 0.64,
} as const;

/**
 * Horizontal bars, one per row, label above the bar and value at the right.
 * Rows are drawn in the given order (sort them before calling). Bar length is
 * proportional to the value, the largest value spanning the full width.
 */
export function barChartSvg(input: BarChartInput): string {
  const fmt = input.formatNumber ?? ((n: number) => String(n));
  const maxRows = Math.max(1, Math.floor(input.maxRows ?? 10));
  let rows = input.rows.map((r) => ({ label: r.label, value: cleanValue(r.value) }));
  if (rows.length > maxRows) {
    const rest = rows.slice(maxRows - (input.otherLabel ? 1 : 0));
    rows = rows.slice(0, maxRows - (input.otherLabel ? 1 : 0));
    if (input.otherLabel) {
      rows.push({ label: input.otherLabel, value: rest.reduce((sum, r) => sum + r.value, 0) });
    }
  }

  const ids = chartIds(input.idPrefix, ['bar', input.title, rows]);
  if (rows.length === 0) return emptySvg('bar', input, ids);

  const innerWidth = WIDTH - 2 * BAR.padX;
  const height = BAR.padTop + rows.length * BAR.rowHeight + BAR.padBottom;
  const max = Math.max(...rows.map((r) => r.value));
  const formatted = rows.map((r) => fmt(r.value));
  const desc = input.desc ?? rows.map((r, i) => `${r.label}: ${formatted[i]}`).join('; ');

  const parts: string[] = [svgOpen('bar', WIDTH, height, input.title, desc, ids)];
  rows.forEach((row, i) => {
    const y = BAR.padTop + i * BAR.rowHeight;
    const valueText = formatted[i];
    const valueWidth = Array.from(valueText).length * BAR.boldCharWidth;
    const labelChars = Math.max(4, Math.floor((innerWidth - valueWidth - 12) / BAR.charWidth));
    const barWidth = max > 0 ? (row.value / max) * innerWidth : 0;
    // A non-zero value always gets a sliver so it is not mistaken for zero.
    const drawnWidth = row.value > 0 ? Math.max(2, barWidth) : 0;
    parts.push(
      `<g>` +
        `<title>${escapeXml(`${row.label}: ${valueText}`)}</title>` +
        `<text x="${BAR.padX}" y="${num(y + BAR.labelBaseline)}" font-size="${BAR.fontSize}" fill="${COLOURS.text}">${escapeXml(truncate(row.label, labelChars))}</text>` +
        `<text x="${WIDTH - BAR.padX}" y="${num(y + BAR.labelBaseline)}" font-size="${BAR.fontSize}" font-weight="700" text-anchor="end" fill="${COLOURS.text}">${escapeXml(valueText)}</text>` +
        `<rect x="${BAR.padX}" y="${num(y + BAR.barOffset)}" width="${num(innerWidth)}" height="${BAR.barHeight}" rx="3" fill="${COLOURS.track}"/>` +
        (drawnWidth > 0
          ? `<rect class="bar" x="${BAR.padX}" y="${num(y + BAR.barOffset)}" width="${num(drawnWidth)}" height="${BAR.barHeight}" rx="3" fill="${COLOURS.bar}"/>`
          : '') +
        `</g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/* ------------------------------------------------------------------------ */
/* Daily column chart                                                       */
/* ------------------------------------------------------------------------ */

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse YYYY-MM-DD to a UTC day number; throws on malformed or impossible dates (e.g. 2024-02-30). */
function parseDay(day: string): number {
  const m = DAY_RE.exec(day);
  if (m) {
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(t).toISOString().slice(0, 10) === day) return t / DAY_MS;
  }
  throw new RangeError(`dailyChartSvg: invalid day ${JSON.stringify(day)}, expected YYYY-MM-DD`);
}

function formatDayNumber(d: number): string {
  return new Date(d * DAY_MS).toISOString().slice(0, 10);
}

/** A 1-2-5 step giving about `target` intervals; whole numbers only, since the values are counts. */
export function niceTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  const step = Math.max(1, nice * magnitude);
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return ticks;
}

/* ------------------------------------------------------------------------ */
/* Axes shared by the charts over days                                      */
/* ------------------------------------------------------------------------ */

interface DayAxes {
  left: number;
  right: number;
  plotBottom: number;
  plotHeight: number;
  fontSize: number;
  /** Width of one day's slot; day i is centred at left + (i + 0.5) * slot. */
  slot: number;
  /** The y coordinate of a value. */
  y: (v: number) => number;
  ticks: number[];
  tickLabels: string[];
}

/**
 * The frame of a chart with one slot per day: the value scale (1-2-5 ticks from zero to a round
 * number above `max`), a left margin that grows with the widest tick label so big numbers are
 * not clipped, and the plot between `plotTop` and 30 units above the bottom.
 */
function dayAxes(max: number, days: number, fmt: NumberFormatter, height: number, plotTop: number): DayAxes {
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const tickLabels = ticks.map((t) => fmt(t));
  const fontSize = 12;
  const widestTick = Math.max(...tickLabels.map((t) => Array.from(t).length));
  const left = Math.min(110, Math.max(32, 14 + widestTick * fontSize * 0.6));
  const right = 12;
  const plotBottom = height - 30;
  const plotHeight = plotBottom - plotTop;
  return {
    left,
    right,
    plotBottom,
    plotHeight,
    fontSize,
    slot: (WIDTH - left - right) / days,
    y: (v: number) => plotBottom - (v / top) * plotHeight,
    ticks,
    tickLabels,
  };
}

/** Horizontal grid lines and the y tick labels. */
function yGrid(a: DayAxes): string[] {
  return a.ticks.map((t, i) => {
    const ty = a.y(t);
    const line =
      t > 0
        ? `<line x1="${num(a.left)}" y1="${num(ty)}" x2="${num(WIDTH - a.right)}" y2="${num(ty)}" stroke="${COLOURS.grid}" stroke-width="1"/>`
        : '';
    return (
      line +
      `<text x="${num(a.left - 6)}" y="${num(ty + 4)}" text-anchor="end" font-size="${a.fontSize}" fill="${COLOURS.muted}">${escapeXml(a.tickLabels[i])}</text>`
    );
  });
}

function baseline(a: DayAxes): string {
  return `<line x1="${num(a.left)}" y1="${num(a.plotBottom)}" x2="${num(WIDTH - a.right)}" y2="${num(a.plotBottom)}" stroke="${COLOURS.axis}" stroke-width="1"/>`;
}

/**
 * Up to four day labels under the plot: first, last and two evenly spaced between. The first and
 * last are anchored at the plot edges so they never fall off the chart.
 */
function xDayLabels(a: DayAxes, days: string[], fmtDay: (day: string) => string): string[] {
  const n = days.length;
  const labelIdx = n === 1 ? [0] : [...new Set([0, Math.round((n - 1) / 3), Math.round((2 * (n - 1)) / 3), n - 1])];
  return labelIdx.map((i) => {
    const cx = a.left + (i + 0.5) * a.slot;
    const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
    const tx = anchor === 'start' ? a.left : anchor === 'end' ? WIDTH - a.right : cx;
    return (
      `<line x1="${num(cx)}" y1="${num(a.plotBottom)}" x2="${num(cx)}" y2="${num(a.plotBottom + 4)}" stroke="${COLOURS.axis}" stroke-width="1"/>` +
      `<text x="${num(tx)}" y="${num(a.plotBottom + 18)}" text-anchor="${anchor}" font-size="${a.fontSize}" fill="${COLOURS.muted}">${escapeXml(fmtDay(days[i]))}</text>`
    );
  });
}

/**
 * Column chart of a value per day (e.g. signatures per day) with a few
 * horizontal grid lines and up to four day labels on the x axis.
 */
export function dailyChartSvg(input: DailyChartInput): string {
  const fmt = input.formatNumber ?? ((n: number) => String(n));
  const fmtDay = input.formatDay ?? ((d: string) => d);
  const maxDays = Math.max(1, Math.floor(input.maxDays ?? 731));

  const byDay = new Map<number, number>();
  for (const { day, value } of input.days) {
    const d = parseDay(day);
    byDay.set(d, (byDay.get(d) ?? 0) + cleanValue(value));
  }
  const ids = chartIds(input.idPrefix, ['daily', input.title, [...byDay].sort((a, b) => a[0] - b[0])]);
  if (byDay.size === 0) return emptySvg('daily', input, ids);

  // Fill gaps so the x axis is real time: a day without signatures is a zero
  // column, not a missing one.
  const last = Math.max(...byDay.keys());
  const first = Math.max(Math.min(...byDay.keys()), last - maxDays + 1);
  const series: Array<{ day: string; value: number }> = [];
  for (let d = first; d <= last; d++) series.push({ day: formatDayNumber(d), value: byDay.get(d) ?? 0 });

  const max = Math.max(...series.map((s) => s.value));
  const height = 220;
  const a = dayAxes(max, series.length, fmt, height, 12);

  const desc =
    input.desc ??
    [
      `${series[0].day} – ${series[series.length - 1].day}`,
      ...series.filter((s) => s.value > 0).map((s) => `${s.day}: ${fmt(s.value)}`),
    ].join('; ');

  const parts: string[] = [svgOpen('daily', WIDTH, height, input.title, desc, ids), ...yGrid(a)];

  // Columns. Narrow slots (long ranges) drop the gap so columns stay visible.
  const colWidth = a.slot >= 4 ? a.slot * 0.75 : a.slot;
  series.forEach((s, i) => {
    if (s.value <= 0) return;
    const h = Math.max(1, a.plotBottom - a.y(s.value));
    const x = a.left + i * a.slot + (a.slot - colWidth) / 2;
    parts.push(
      `<rect class="col" x="${num(x)}" y="${num(a.plotBottom - h)}" width="${num(colWidth)}" height="${num(h)}" fill="${COLOURS.bar}">` +
        `<title>${escapeXml(`${fmtDay(s.day)}: ${fmt(s.value)}`)}</title></rect>`,
    );
  });

  parts.push(
    baseline(a),
    ...xDayLabels(
      a,
      series.map((s) => s.day),
      fmtDay,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

/* ------------------------------------------------------------------------ */
/* Grouped daily columns (e.g. signed beside confirmed)                     */
/* ------------------------------------------------------------------------ */

export interface GroupedDailyChartInput extends ChartBase {
  /** The series, each with its localised name (drawn in the legend). At most three. */
  series: string[];
  /** One entry per day, a value per series, oldest first; days are drawn as given (no gap filling). */
  days: Array<{ day: string /* YYYY-MM-DD */; values: number[] }>;
  formatDay?: (day: string) => string;
}

// Distinct for colour-blind readers (blue and orange), each at least 3:1 against white.
const SERIES_COLOURS = ['#b45309' /* 5.0:1 */, '#1d4ed8' /* 6.7:1 */, '#6d28d9' /* 7.1:1 */] as const;

/**
 * Columns per day, one per series side by side, with a legend above: the verification funnel's
 * "signed" beside "confirmed" shows at a glance on which days people did not confirm.
 */
export function groupedDailyChartSvg(input: GroupedDailyChartInput): string {
  const fmt = input.formatNumber ?? ((n: number) => String(n));
  const fmtDay = input.formatDay ?? ((d: string) => d);
  const series = input.series.slice(0, SERIES_COLOURS.length);
  const days = input.days.map((d) => {
    parseDay(d.day);
    return { day: d.day, values: series.map((_, i) => cleanValue(d.values[i] ?? 0)) };
  });
  const ids = chartIds(input.idPrefix, ['grouped', input.title, series, days]);
  if (!days.some((d) => d.values.some((v) => v > 0))) return emptySvg('grouped', input, ids);

  const max = Math.max(...days.flatMap((d) => d.values));
  const height = 250;
  const legendHeight = 26;
  const a = dayAxes(max, days.length, fmt, height, 12 + legendHeight);
  const fontSize = a.fontSize;

  const desc =
    input.desc ??
    days
      .filter((d) => d.values.some((v) => v > 0))
      .map((d) => `${d.day}: ${series.map((s, i) => `${s} ${fmt(d.values[i])}`).join(', ')}`)
      .join('; ');
  const parts: string[] = [svgOpen('grouped', WIDTH, height, input.title, desc, ids)];

  // Legend: a swatch and the series name, left to right.
  let lx = a.left;
  series.forEach((name, i) => {
    parts.push(
      `<rect x="${num(lx)}" y="10" width="12" height="12" fill="${SERIES_COLOURS[i]}"/>` +
        `<text x="${num(lx + 18)}" y="20.5" font-size="${fontSize}" fill="${COLOURS.text}">${escapeXml(truncate(name, 28))}</text>`,
    );
    lx += 30 + Math.min(28, Array.from(name).length) * fontSize * 0.6;
  });

  parts.push(...yGrid(a));

  const groupWidth = a.slot >= 4 ? a.slot * 0.8 : a.slot;
  const colWidth = groupWidth / series.length;
  days.forEach((d, i) => {
    d.values.forEach((v, k) => {
      if (v <= 0) return;
      const h = Math.max(1, a.plotBottom - a.y(v));
      const x = a.left + i * a.slot + (a.slot - groupWidth) / 2 + k * colWidth;
      parts.push(
        `<rect class="col" x="${num(x)}" y="${num(a.plotBottom - h)}" width="${num(colWidth)}" height="${num(h)}" fill="${SERIES_COLOURS[k]}">` +
          `<title>${escapeXml(`${fmtDay(d.day)}, ${series[k]}: ${fmt(v)}`)}</title></rect>`,
      );
    });
  });
  parts.push(
    baseline(a),
    ...xDayLabels(
      a,
      days.map((d) => d.day),
      fmtDay,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

/* ------------------------------------------------------------------------ */
/* Running total per day (e.g. the count over time)                         */
/* ------------------------------------------------------------------------ */

export interface RunningTotalChartInput extends ChartBase {
  /** The total at the end of each day, oldest first, one entry per day with no gap (days are drawn as given). */
  days: Array<{ day: string /* YYYY-MM-DD */; value: number }>;
  formatDay?: (day: string) => string;
}

/**
 * The total over time as a filled line (the count of a letter, day by day): one point per day at
 * the centre of its slot, on the same axes as the column charts.
 */
export function runningTotalChartSvg(input: RunningTotalChartInput): string {
  const fmt = input.formatNumber ?? ((n: number) => String(n));
  const fmtDay = input.formatDay ?? ((d: string) => d);
  const days = input.days.map((d) => {
    parseDay(d.day);
    return { day: d.day, value: cleanValue(d.value) };
  });
  const ids = chartIds(input.idPrefix, ['total', input.title, days]);
  if (!days.some((d) => d.value > 0)) return emptySvg('total', input, ids);

  const height = 220;
  const a = dayAxes(Math.max(...days.map((d) => d.value)), days.length, fmt, height, 12);
  const desc = input.desc ?? days.map((d) => `${d.day}: ${fmt(d.value)}`).join('; ');
  const parts: string[] = [svgOpen('total', WIDTH, height, input.title, desc, ids), ...yGrid(a)];

  // A single day still draws a visible level: its line spans the slot.
  const points =
    days.length === 1
      ? [
          [a.left, a.y(days[0].value)],
          [WIDTH - a.right, a.y(days[0].value)],
        ]
      : days.map((d, i) => [a.left + (i + 0.5) * a.slot, a.y(d.value)]);
  const line = points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
  const [firstX] = points[0];
  const [lastX] = points[points.length - 1];
  parts.push(
    `<polygon points="${num(firstX)},${num(a.plotBottom)} ${line} ${num(lastX)},${num(a.plotBottom)}" fill="${COLOURS.track}"/>`,
    `<polyline class="total" points="${line}" fill="none" stroke="${COLOURS.bar}" stroke-width="2" stroke-linejoin="round"/>`,
  );
  parts.push(
    baseline(a),
    ...xDayLabels(
      a,
      days.map((d) => d.day),
      fmtDay,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}
