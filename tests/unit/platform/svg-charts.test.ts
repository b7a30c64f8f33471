import { Resvg } from '@resvg/resvg-js';
import {
  barChartSvg,
  dailyChartSvg,
  escapeXml,
  niceTicks,
  runningTotalChartSvg,
} from '../../../src/platform/web/svg-charts';

/** resvg parses the SVG as XML and throws on malformed markup. */
function assertWellFormed(svg: string): void {
  expect(() => new Resvg(svg, { font: { loadSystemFonts: false } })).not.toThrow();
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

function barWidths(svg: string): number[] {
  return [...svg.matchAll(/<rect class="bar"[^>]*>/g)].map((m) => Number(attr(m[0], 'width')));
}

/** role="img", a <title> and <desc> whose ids are exactly what aria-labelledby references. */
function expectAccessible(svg: string, title: string): void {
  const root = /^<svg[^>]*>/.exec(svg)?.[0] ?? '';
  expect(attr(root, 'role')).toBe('img');
  expect(attr(root, 'viewBox')).toMatch(/^0 0 \d+(\.\d+)? \d+(\.\d+)?$/);
  expect(attr(root, 'width')).toBeUndefined(); // scales with its container
  const ids = (attr(root, 'aria-labelledby') ?? '').split(' ');
  expect(ids).toHaveLength(2);
  expect(svg).toContain(`<title id="${ids[0]}">${escapeXml(title)}</title>`);
  expect(svg).toMatch(new RegExp(`<desc id="${ids[1]}">[^<]+</desc>`));
}

function expectCspSafe(svg: string): void {
  expect(svg).not.toMatch(/\sstyle\s*=/i);
  expect(svg).not.toMatch(/<style|<script|<foreignObject|<image|\son[a-z]+\s*=/i);
  expect(svg).not.toMatch(/href=|url\(/i);
  // The only URL allowed is the SVG namespace, which is never fetched.
  expect(svg.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:/);
}

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeXml('a\u0000b\u0007c\uD800d')).toBe('abcd');
    expect(escapeXml('😀 Україна')).toBe('😀 Україна');
  });
});

describe('barChartSvg', () => {
  const rows = [
    { label: 'Україна', value: 400 },
    { label: 'Қазақстан', value: 200 },
    { label: 'Polska', value: 100 },
  ];

  it('is accessible, CSP-safe and well-formed', () => {
    const svg = barChartSvg({ title: 'Signatures by country', rows });
    expectAccessible(svg, 'Signatures by country');
    expectCspSafe(svg);
    assertWellFormed(svg);
    expect(svg).toContain('<desc id="');
    expect(svg).toContain('Україна: 400; Қазақстан: 200; Polska: 100');
  });

  it('escapes <script> and quotes in labels, title and formatted numbers', () => {
    const svg = barChartSvg({
      title: 'T <script>alert(1)</script>',
      rows: [{ label: '<script>alert("x")</script>', value: 1 }],
      formatNumber: () => '<b>1</b>',
    });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(svg).toContain('&lt;b&gt;1&lt;/b&gt;');
    assertWellFormed(svg);
  });

  it('draws bar lengths proportional to values', () => {
    const widths = barWidths(barChartSvg({ title: 't', rows }));
    expect(widths).toHaveLength(3);
    expect(widths[0] / widths[1]).toBeCloseTo(2, 2);
    expect(widths[0] / widths[2]).toBeCloseTo(4, 2);
    expect(widths[0]).toBe(448); // the largest spans the full inner width (480 − 2·16)
  });

  it('draws no bar for zero and clamps negative or NaN values', () => {
    const svg = barChartSvg({
      title: 't',
      rows: [
        { label: 'a', value: 10 },
        { label: 'b', value: 0 },
        { label: 'c', value: -5 },
        { label: 'd', value: Number.NaN },
      ],
    });
    expect(barWidths(svg)).toEqual([448]);
    expect(svg).not.toContain('NaN');
  });

  it('uses formatNumber for the value text', () => {
    const svg = barChartSvg({
      title: 't',
      rows: [{ label: 'a', value: 12345 }],
      formatNumber: (n) => new Intl.NumberFormat('de-DE').format(n),
    });
    expect(svg).toContain('>12.345</text>');
  });

  it('limits rows to maxRows, summing the rest into otherLabel when given', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ label: `C${i}`, value: 10 - i }));
    expect(barWidths(barChartSvg({ title: 't', rows: many, maxRows: 3 }))).toHaveLength(3);
    const withOther = barChartSvg({ title: 't', rows: many, maxRows: 3, otherLabel: 'Other' });
    expect(barWidths(withOther)).toHaveLength(3);
    // C2..C7 = 8+7+6+5+4+3
    expect(withOther).toContain('Other: 33');
  });

  it('truncates very long labels visually but keeps them whole in desc and tooltip', () => {
    const label = 'Боснія і Герцеговина '.repeat(5).trim();
    const svg = barChartSvg({ title: 't', rows: [{ label, value: 1 }] });
    expect(svg).toContain('…</text>');
    expect(svg).toContain(`<title>${label}: 1</title>`);
  });

  it('renders emptyText when there are no rows', () => {
    const svg = barChartSvg({ title: 'Countries', rows: [], emptyText: 'Ще немає <підписів>' });
    expectAccessible(svg, 'Countries');
    expect(svg).toContain('>Ще немає &lt;підписів&gt;</text>');
    expect(svg).not.toContain('class="bar"');
    assertWellFormed(svg);
  });

  it('produces deterministic, distinct ids and honours idPrefix', () => {
    const a = barChartSvg({ title: 'A', rows });
    expect(barChartSvg({ title: 'A', rows })).toBe(a);
    const b = barChartSvg({ title: 'B', rows });
    expect(attr(a, 'aria-labelledby')).not.toBe(attr(b, 'aria-labelledby'));
    const c = barChartSvg({ title: 'A', rows, idPrefix: 'by-country"><x' });
    expect(attr(c, 'aria-labelledby')).toBe('by-countryx-title by-countryx-desc');
  });
});

describe('dailyChartSvg', () => {
  const days = [
    { day: '2024-05-01', value: 10 },
    { day: '2024-05-02', value: 40 },
    // 2024-05-03 missing: drawn as zero
    { day: '2024-05-04', value: 20 },
  ];

  it('is accessible, CSP-safe and well-formed', () => {
    const svg = dailyChartSvg({ title: 'Signatures per day', days });
    expectAccessible(svg, 'Signatures per day');
    expectCspSafe(svg);
    assertWellFormed(svg);
    expect(svg).toContain('2024-05-01 – 2024-05-04; 2024-05-01: 10; 2024-05-02: 40; 2024-05-04: 20');
  });

  it('fills missing days and draws columns proportional to values', () => {
    const svg = dailyChartSvg({ title: 't', days });
    const cols = [...svg.matchAll(/<rect class="col"[^>]*>/g)].map((m) => ({
      x: Number(attr(m[0], 'x')),
      h: Number(attr(m[0], 'height')),
      w: Number(attr(m[0], 'width')),
    }));
    expect(cols).toHaveLength(3);
    expect(cols[1].h / cols[0].h).toBeCloseTo(4, 1);
    expect(cols[2].h / cols[0].h).toBeCloseTo(2, 1);
    // Four slots (1st–4th May), so the 4th-May column sits three slots after the first.
    const slot = cols[1].x - cols[0].x;
    expect(cols[2].x - cols[0].x).toBeCloseTo(3 * slot, 1);
  });

  it('has a few formatted y-axis ticks and formatted x labels', () => {
    const svg = dailyChartSvg({
      title: 't',
      days: [
        { day: '2024-05-01', value: 1234 },
        { day: '2024-06-30', value: 5 },
      ],
      formatNumber: (n) => new Intl.NumberFormat('de-DE').format(n),
      formatDay: (d) => d.slice(5).replace('-', '/'),
    });
    expect(svg).toContain('>1.500</text>');
    expect(svg).toContain('>05/01</text>');
    expect(svg).toContain('>06/30</text>');
    const xLabels = svg.match(/>\d\d\/\d\d<\/text>/g) ?? [];
    expect(xLabels.length).toBeLessThanOrEqual(4);
  });

  it('sums duplicate days, escapes labels and rejects malformed days', () => {
    const svg = dailyChartSvg({
      title: '<script>',
      days: [
        { day: '2024-01-01', value: 2 },
        { day: '2024-01-01', value: 3 },
      ],
      formatDay: () => '<script>x</script>',
    });
    expect(svg).toContain('2024-01-01: 5');
    expect(svg).not.toContain('<script');
    expect(() => dailyChartSvg({ title: 't', days: [{ day: '2024-02-30', value: 1 }] })).toThrow(RangeError);
    expect(() => dailyChartSvg({ title: 't', days: [{ day: '1/2/2024', value: 1 }] })).toThrow(RangeError);
  });

  it('caps the range to maxDays so a bogus old date cannot blow up the SVG', () => {
    const svg = dailyChartSvg({
      title: 't',
      days: [
        { day: '1970-01-01', value: 1 },
        { day: '2024-05-01', value: 1 },
      ],
      maxDays: 30,
    });
    expect(svg.match(/<rect class="col"/g)).toHaveLength(1);
    expect(svg.length).toBeLessThan(5000);
  });

  it('renders emptyText when there are no days', () => {
    const svg = dailyChartSvg({ title: 'Per day', days: [], emptyText: 'No signatures yet' });
    expectAccessible(svg, 'Per day');
    expect(svg).toContain('>No signatures yet</text>');
    assertWellFormed(svg);
  });

  it('handles all-zero data without dividing by zero', () => {
    const svg = dailyChartSvg({ title: 't', days: [{ day: '2024-05-01', value: 0 }] });
    expect(svg).not.toMatch(/NaN|Infinity/);
    assertWellFormed(svg);
  });
});

describe('runningTotalChartSvg', () => {
  const days = [
    { day: '2026-03-01', value: 2 },
    { day: '2026-03-02', value: 2 },
    { day: '2026-03-03', value: 1500 },
    { day: '2026-03-04', value: 1499 },
  ];

  it('draws one point per day, higher for a larger total, on well-formed, accessible, CSP-safe markup', () => {
    const svg = runningTotalChartSvg({
      title: 'Count <over> time',
      days,
      formatNumber: (n) => new Intl.NumberFormat('fr').format(n),
    });
    assertWellFormed(svg);
    expectAccessible(svg, 'Count <over> time');
    expectCspSafe(svg);
    const points = (/<polyline class="total" points="([^"]+)"/.exec(svg)?.[1] ?? '')
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(4);
    expect(points[0][1]).toBe(points[1][1]);
    expect(points[2][1]).toBeLessThan(points[1][1]); // y grows downwards
    expect(points[3][1]).toBeGreaterThan(points[2][1]); // a withdrawal lowers the line
    expect(svg).toContain(`>${new Intl.NumberFormat('fr').format(1500)}<`); // a y tick in the reader's digits
    const fr = (n: number) => new Intl.NumberFormat('fr').format(n);
    expect(svg).toContain(`2026-03-01: 2; 2026-03-02: 2; 2026-03-03: ${fr(1500)}; 2026-03-04: ${fr(1499)}`);
  });

  it('takes the same axes as the daily columns', () => {
    const total = runningTotalChartSvg({ title: 't', days });
    const daily = dailyChartSvg({ title: 't', days });
    const axisText = (svg: string) => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[0]);
    expect(axisText(total)).toEqual(axisText(daily));
  });

  it('draws a single day as a level line, and says so when there is nothing to draw', () => {
    const one = runningTotalChartSvg({ title: 't', days: [{ day: '2026-03-01', value: 3 }] });
    assertWellFormed(one);
    expect(/<polyline class="total" points="([^"]+)"/.exec(one)?.[1].split(' ')).toHaveLength(2);
    const none = runningTotalChartSvg({ title: 't', days: [], emptyText: 'No signatures yet' });
    assertWellFormed(none);
    expect(none).toContain('No signatures yet');
    expect(() => runningTotalChartSvg({ title: 't', days: [{ day: '2026-02-30', value: 1 }] })).toThrow(RangeError);
  });
});

describe('niceTicks', () => {
  it('uses 1-2-5 whole-number steps covering the maximum', () => {
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(40)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
