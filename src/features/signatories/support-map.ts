/**
 * The world map of verified signatures by country: an SVG drawn on the server (no script, no
 * tiles from another host) from world-atlas (Natural Earth, public domain) with d3-geo. The
 * countries' outlines are projected once per process; a map is the outlines coloured in a few
 * steps, rendered once per letter's figures and language and kept, so a count that does not move
 * a country's step costs a lookup. Countries below SMALL_COUNTRY_THRESHOLD are one step of their
 * own, named "fewer than 5", never with their count.
 */
import countries from 'i18n-iso-countries';
import type { TFunction } from 'i18next';
import type { DataSource } from 'typeorm';
import type { Language } from '../../core/letters/letter.entity';
import {
  countsByCountry,
  type PublicCountryCount,
  publicCountryCounts,
  SMALL_COUNTRY_THRESHOLD,
} from '../../core/letters/counts.service';
import { countryName, formatNumber } from '../../platform/web/i18n';
import { escapeXml } from '../../platform/web/svg-charts';

const WIDTH = 960;
const HEIGHT = 500;

/** The steps of colour: "fewer than 5", then from each bound up. */
export const MAP_STEPS = [SMALL_COUNTRY_THRESHOLD, 50, 500, 5_000] as const;
const COLOURS = ['#f3f4f6', '#dbeafe', '#93c5fd', '#3b82f6', '#1d4ed8', '#1e3a8a'];

interface Outline {
  code: string;
  d: string;
}

let outlines: Promise<Outline[]> | null = null;

/** Every country's outline as an SVG path, projected once (d3-geo is an ES module: loaded with import()). */
function countryOutlines(): Promise<Outline[]> {
  outlines ??= (async () => {
    const [{ geoEqualEarth, geoPath }, topojson] = await Promise.all([import('d3-geo'), import('topojson-client')]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const world = require('world-atlas/countries-110m.json') as import('topojson-specification').Topology;
    const shapes = topojson.feature(
      world,
      world.objects.countries as import('topojson-specification').GeometryCollection,
    ) as unknown as import('geojson').FeatureCollection;
    const projection = geoEqualEarth().fitSize([WIDTH, HEIGHT], shapes);
    const path = geoPath(projection).digits(1);
    const out: Outline[] = [];
    for (const f of shapes.features) {
      const code = f.id === undefined ? undefined : countries.numericToAlpha2(String(f.id));
      const d = path(f);
      if (d) out.push({ code: code ?? '', d });
    }
    return out;
  })();
  return outlines;
}

function stepOf(count: number | null | undefined): number {
  if (count === undefined) return 0;
  if (count === null) return 1;
  let step = 1;
  for (const bound of MAP_STEPS) if (count >= bound) step++;
  return step;
}

export interface MapLabels {
  title: string;
  desc: string;
  fewer: string;
  none: string;
  /** "{{count}} signatures", for a country's accessible name. */
  signatures: (count: number, formatted: string) => string;
}

const rendered = new Map<string, Promise<string>>();
const MAX_RENDERED = 500;

/** The map for these public figures (publicCountryCounts), in the reader's language; kept per figures and language. */
export function supportMapSvg(figures: PublicCountryCount[], lang: Language, labels: MapLabels): Promise<string> {
  const key = `${lang}|${labels.title}|${figures.map((f) => `${f.country}:${f.count ?? '<'}`).join(',')}`;
  let svg = rendered.get(key);
  if (!svg) {
    if (rendered.size >= MAX_RENDERED) rendered.clear();
    svg = drawMap(figures, lang, labels);
    rendered.set(key, svg);
    svg.catch(() => rendered.delete(key));
  }
  return svg;
}

async function drawMap(figures: PublicCountryCount[], lang: Language, labels: MapLabels): Promise<string> {
  const byCode = new Map(figures.map((f) => [f.country, f.count]));
  const fmt = (n: number) => formatNumber(n, lang);
  const shapes = (await countryOutlines()).map((o) => {
    const count = byCode.get(o.code);
    const fill = COLOURS[stepOf(count)];
    if (count === undefined) return `<path d="${o.d}" fill="${fill}" stroke="#9ca3af" stroke-width="0.4"/>`;
    const name = `${countryName(o.code, lang)}: ${count === null ? labels.fewer : labels.signatures(count, fmt(count))}`;
    return `<path d="${o.d}" fill="${fill}" stroke="#374151" stroke-width="0.5" role="img" aria-label="${escapeXml(name)}"><title>${escapeXml(name)}</title></path>`;
  });
  const legendItems = [
    labels.none,
    labels.fewer,
    ...MAP_STEPS.map((b, i) => (i + 1 < MAP_STEPS.length ? `${fmt(b)}–${fmt(MAP_STEPS[i + 1] - 1)}` : `${fmt(b)}+`)),
  ];
  const legend = legendItems
    .map(
      (text, i) =>
        `<g transform="translate(${12 + i * 150},${HEIGHT + 14})"><rect width="18" height="12" fill="${COLOURS[i]}" stroke="#374151" stroke-width="0.5"/><text x="24" y="11" font-size="13" fill="#1a1a1a">${escapeXml(text)}</text></g>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT + 40}" role="group" aria-labelledby="support-map-title support-map-desc" class="support-map" font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif">` +
    `<title id="support-map-title">${escapeXml(labels.title)}</title><desc id="support-map-desc">${escapeXml(labels.desc)}</desc>` +
    `<rect width="${WIDTH}" height="${HEIGHT + 40}" fill="#ffffff"/>${shapes.join('')}` +
    `<g aria-hidden="true">${legend}</g></svg>`
  );
}

/** The map of a letter's verified signatures by country, with its public figures, in the reader's language. */
export async function letterSupportMap(
  db: DataSource,
  letterId: string,
  lang: Language,
  t: TFunction,
): Promise<{ svg: string; figures: PublicCountryCount[]; alt: string }> {
  const figures = publicCountryCounts(await countsByCountry(db, letterId));
  const fewer = t('signatories.map.fewer', { count: SMALL_COUNTRY_THRESHOLD });
  // The image's text alternative: what it shows, and where its figures are in words.
  const alt = t('signatories.map.desc', { fewer: SMALL_COUNTRY_THRESHOLD });
  const svg = await supportMapSvg(figures, lang, {
    title: t('signatories.map.title'),
    desc: t('signatories.map.desc', { fewer: SMALL_COUNTRY_THRESHOLD }),
    fewer,
    none: t('signatories.map.none'),
    signatures: (count, formatted) => t('signatories.map.signatures', { count, formatted }),
  });
  return { svg, figures, alt };
}
