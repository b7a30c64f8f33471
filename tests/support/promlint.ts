import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/**
 * What `promtool check metrics` reports on a scrape: the text is parsed by a Prometheus
 * text-format parser, then every metric family goes through the rules of Prometheus' own linter
 * (client_golang's promlint, which promtool runs), and through the format rules its text parser
 * enforces (one HELP and one TYPE per family, before its samples, each family in one block).
 * An empty list is what promtool answers with exit code 0.
 */
export interface Problem {
  metric: string;
  text: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
  }>;
}

export function parseMetrics(text: string): MetricFamily[] {
  return parsePrometheusTextFormat(text) as MetricFamily[];
}

// promlint's tables (client_golang prometheus/testutil/promlint).
const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];
const UNIT_ABBREVIATIONS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']);
const CAMEL_CASE = /[a-z][A-Z]/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function metricUnit(name: string): { unit: string; base: string } | null {
  for (const part of name.split('_')) {
    if (UNITS[part]) return { unit: part, base: UNITS[part] };
    for (const p of UNIT_PREFIXES) {
      if (part.startsWith(p) && UNITS[part.slice(p.length)]) return { unit: part, base: UNITS[part.slice(p.length)] };
    }
  }
  return null;
}

/** promlint's rules, family by family. */
export function lintFamily(mf: MetricFamily): string[] {
  const problems: string[] = [];
  const name = mf.name;
  const type = mf.type;
  if (!METRIC_NAME.test(name)) problems.push('invalid metric name');
  if (!mf.help) problems.push('no help text');
  const unit = metricUnit(name);
  if (unit && unit.unit !== unit.base) problems.push(`use base unit "${unit.base}" instead of "${unit.unit}"`);
  if (name.split('_').some((part) => UNIT_ABBREVIATIONS.has(part)))
    problems.push('metric names should not contain abbreviated units');
  if (type === 'COUNTER' && !name.endsWith('_total')) problems.push('counter metrics should have "_total" suffix');
  if (type !== 'COUNTER' && name.endsWith('_total'))
    problems.push('non-counter metrics should not have "_total" suffix');
  if (type !== 'UNTYPED') {
    const typeName = type.toLowerCase();
    if (name.toLowerCase().includes(`_${typeName}_`) || name.toLowerCase().endsWith(`_${typeName}`)) {
      problems.push(`metric name should not include type '${typeName}'`);
    }
    const histogram = type === 'HISTOGRAM';
    const summary = type === 'SUMMARY';
    if (!histogram && name.endsWith('_bucket')) problems.push('non-histogram metrics should not have "_bucket" suffix');
    if (!histogram && !summary && name.endsWith('_count'))
      problems.push('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!histogram && !summary && name.endsWith('_sum'))
      problems.push('non-histogram and non-summary metrics should not have "_sum" suffix');
    for (const m of mf.metrics) {
      for (const label of Object.keys(m.labels ?? {})) {
        if (!histogram && label === 'le') problems.push('non-histogram metrics should not have "le" label');
        if (!summary && label === 'quantile') problems.push('non-summary metrics should not have "quantile" label');
      }
    }
  }
  if (name.includes(':')) problems.push("metric names should not contain ':'");
  if (CAMEL_CASE.test(name)) problems.push("metric names should be written in 'snake_case' not 'camelCase'");
  const labels = new Set(mf.metrics.flatMap((m) => Object.keys(m.labels ?? {})));
  for (const label of labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) problems.push(`invalid label name "${label}"`);
    if (CAMEL_CASE.test(label)) problems.push("label names should be written in 'snake_case' not 'camelCase'");
  }
  const series = mf.metrics.map((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()));
  if (new Set(series).size !== series.length) problems.push('metric is duplicated');
  return problems;
}

const SUFFIXES: Record<string, string[]> = { HISTOGRAM: ['_bucket', '_sum', '_count'], SUMMARY: ['_sum', '_count'] };

/** The text parser's own rules: comments before samples, one HELP and TYPE per family, families not split. */
export function lintFormat(text: string): Problem[] {
  const problems: Problem[] = [];
  const help = new Set<string>();
  const types = new Map<string, string>();
  const done = new Set<string>();
  let current: string | null = null;
  const familyOf = (sample: string): string => {
    for (const [family, type] of types) {
      if (sample === family) return family;
      for (const suffix of SUFFIXES[type.toUpperCase()] ?? []) if (sample === family + suffix) return family;
    }
    return sample;
  };
  const enter = (family: string) => {
    if (family === current) return;
    if (done.has(family)) problems.push({ metric: family, text: 'second block of the same metric family' });
    if (current) done.add(current);
    current = family;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const comment = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (comment) {
      const [, kind, family, rest] = comment;
      enter(family);
      if (kind === 'HELP') {
        if (help.has(family)) problems.push({ metric: family, text: 'second HELP line' });
        help.add(family);
      } else {
        if (types.has(family)) problems.push({ metric: family, text: 'second TYPE line' });
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(rest ?? ''))
          problems.push({ metric: family, text: `unknown type "${rest}"` });
        types.set(family, rest ?? '');
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(\s+-?\d+)?$/.exec(line);
    if (!m) {
      problems.push({ metric: line.slice(0, 60), text: 'unparsable sample line' });
      continue;
    }
    const family = familyOf(m[1]);
    enter(family);
    if (!/^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?Inf|NaN)$/.test(m[3]))
      problems.push({ metric: family, text: `bad value "${m[3]}"` });
  }
  return problems;
}

/** Every problem promtool would report on this scrape (empty: it passes). */
export function checkMetrics(text: string): Problem[] {
  const problems = lintFormat(text);
  for (const mf of parseMetrics(text)) for (const p of lintFamily(mf)) problems.push({ metric: mf.name, text: p });
  return problems;
}
