/**
 * Open Graph / social preview image for a letter: 1200×630 PNG.
 *
 * Built with satori (layout + text shaping to SVG paths) and rendered to PNG
 * by @resvg/resvg-js. Everything is local: fonts come from the bundled
 * dejavu-fonts-ttf package and no remote asset (emoji, images, fonts) is ever
 * requested, because signers may be at risk and we must not leak that a
 * letter is being viewed or shared to any third-party host.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Font } from 'satori';
import { HEADER_CARD_HEIGHT, HEADER_CARD_WIDTH } from '../header-images';

export interface ShareImageInput {
  title: string;
  count: number;
  /** Already localised and formatted, e.g. "1 234 signatures". */
  countLabel: string;
  siteName: string;
  /** Shown verbatim above the title; the caller localises any prefix ("To: …"). */
  recipient?: string;
  /**
   * The letter's header image as a band across the top: a JPEG already cropped to
   * SHARE_IMAGE_BAND_WIDTH × SHARE_IMAGE_BAND_HEIGHT when it was uploaded (features/header-images),
   * embedded as a data URI so that nothing is fetched while drawing.
   */
  headerImage?: Buffer;
}

export const SHARE_IMAGE_WIDTH = 1200;
export const SHARE_IMAGE_HEIGHT = 630;
/** The header image's band across the card's top, cut to this size when the image was uploaded. */
export const SHARE_IMAGE_BAND_WIDTH = HEADER_CARD_WIDTH;
export const SHARE_IMAGE_BAND_HEIGHT = HEADER_CARD_HEIGHT;

const FONT_FAMILY = 'DejaVu Sans';

// Palette chosen for high contrast on the light background (all text ≥ 7:1).
const COLOURS = {
  background: '#FAFAF7',
  text: '#111827',
  muted: '#374151',
  accent: '#1E40AF',
} as const;

const PADDING_X = 72;
const ACCENT_BAR_HEIGHT = 18;
const TITLE_MAX_LINES = 4;
/** Under a header image the title has the lower half of the card: two lines, and no recipient line. */
const TITLE_MAX_LINES_UNDER_IMAGE = 2;

/*
 * Fonts are read once, lazily, on the first render: most processes (workers,
 * CLI) never render a share image, so they should not pay for ~1.4 MB of font
 * data. If reading fails the promise is dropped so a later call can retry
 * instead of caching the failure forever.
 */
let fontsPromise: Promise<Font[]> | undefined;

function fontPath(file: string): string {
  // Resolve through the package rather than a cwd-relative path so this works
  // from tests, tsx and the compiled dist/ alike.
  const pkgDir = path.dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  return path.join(pkgDir, 'ttf', file);
}

function loadFonts(): Promise<Font[]> {
  if (!fontsPromise) {
    fontsPromise = Promise.all([readFile(fontPath('DejaVuSans.ttf')), readFile(fontPath('DejaVuSans-Bold.ttf'))]).then(
      ([regular, bold]): Font[] => [
        { name: FONT_FAMILY, data: regular, weight: 400, style: 'normal' },
        { name: FONT_FAMILY, data: bold, weight: 700, style: 'normal' },
      ],
      (err: unknown) => {
        fontsPromise = undefined;
        throw err;
      },
    );
  }
  return fontsPromise;
}

/*
 * Minimal element-object shape satori accepts (what JSX would compile to).
 * Declared here so we need neither JSX/TSX nor React's types.
 */
type StyleValue = string | number;
interface SatoriElement {
  type: string;
  props: {
    style?: Record<string, StyleValue>;
    children?: string | SatoriElement | SatoriElement[];
    src?: string;
    width?: number;
    height?: number;
  };
}

function el(
  type: string,
  style: Record<string, StyleValue>,
  children?: string | SatoriElement | SatoriElement[],
): SatoriElement {
  return { type, props: { style, children } };
}

/*
 * Colour emoji (and flags, skin tones, joiners) have no glyph in DejaVu and we
 * deliberately do not fetch an emoji font from a CDN, so they would render as
 * empty boxes; dropping them reads better. Text-style symbols DejaVu does have
 * (❤, ©, ™, ✓) are kept.
 */
// Alternation, not a character class: joiners and variation selectors are matched on their own.
const EMOJI = /\p{Emoji_Presentation}|\p{Regional_Indicator}|[\u{1F3FB}-\u{1F3FF}]|\u{FE0F}|\u{200D}|\u{20E3}/gu;

/** Collapse whitespace (newlines, tabs) so the title wraps naturally; drop control characters and colour emoji. */
export function cleanText(s: string): string {
  return s
    .replace(EMOJI, '')
    .replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/*
 * Pick the largest title size that should fit in TITLE_MAX_LINES lines.
 * DejaVu Sans Bold averages roughly 0.64em per character for Latin and
 * Cyrillic; 0.66 leaves a little slack. Lines are counted by filling them word
 * by word, as the renderer does: long Ukrainian and Russian words waste much of
 * a line when they wrap, so a plain characters-per-line estimate chose sizes
 * at which a title needed a fifth line and lost its last word to the ellipsis.
 * If nothing fits, the smallest size is used and lineClamp adds the ellipsis.
 */
const TITLE_SIZES = [76, 68, 60, 54, 48] as const;
const BOLD_ADVANCE_EM = 0.66;

/** Lines a greedy word wrap needs; a word longer than a line is broken (wordBreak: break-word). */
export function wrappedLineCount(text: string, charsPerLine: number): number {
  const perLine = Math.max(1, charsPerLine);
  let lines = 1;
  let used = 0;
  for (const word of text.split(' ').filter(Boolean)) {
    const len = Array.from(word).length;
    const need = used === 0 ? len : used + 1 + len;
    if (need <= perLine) {
      used = need;
      continue;
    }
    if (used > 0) lines++;
    lines += Math.ceil(len / perLine) - 1;
    used = len - (Math.ceil(len / perLine) - 1) * perLine;
  }
  return lines;
}

export function titleFontSize(title: string, availableWidth: number, maxLines: number): number {
  for (const size of TITLE_SIZES) {
    if (wrappedLineCount(title, availableWidth / (size * BOLD_ADVANCE_EM)) <= maxLines) return size;
  }
  return TITLE_SIZES[TITLE_SIZES.length - 1];
}

function buildTree(input: ShareImageInput): SatoriElement {
  const band = input.headerImage;
  const maxLines = band ? TITLE_MAX_LINES_UNDER_IMAGE : TITLE_MAX_LINES;
  const title = cleanText(input.title);
  const recipient = input.recipient && !band ? cleanText(input.recipient) : '';
  const contentWidth = SHARE_IMAGE_WIDTH - 2 * PADDING_X;
  const titleSize = titleFontSize(title, contentWidth, maxLines);

  const singleLine: Record<string, StyleValue> = {
    display: 'block',
    lineClamp: 1,
    overflow: 'hidden',
  };

  const top: SatoriElement[] = [];
  if (recipient) {
    top.push(
      el('div', { ...singleLine, fontSize: 30, lineHeight: 1.25, color: COLOURS.muted, marginBottom: 18 }, recipient),
    );
  }
  top.push(
    el(
      'div',
      {
        display: 'block',
        lineClamp: maxLines,
        overflow: 'hidden',
        fontSize: titleSize,
        fontWeight: 700,
        lineHeight: 1.18,
        color: COLOURS.text,
        wordBreak: 'break-word',
      },
      title,
    ),
  );

  // The count is the point of the image, so it keeps its width and the site
  // name gives way; very long labels get a smaller size before the ellipsis.
  const countLabel = cleanText(input.countLabel);
  const countChars = Array.from(countLabel).length;
  const countSize = countChars <= 22 ? 56 : countChars <= 30 ? 46 : 38;

  const bottom = el(
    'div',
    {
      display: 'flex',
      flexDirection: 'row',
      alignItems: 'flex-end',
      justifyContent: 'space-between',
      borderTop: `3px solid ${COLOURS.accent}`,
      paddingTop: 22,
    },
    [
      el(
        'div',
        {
          ...singleLine,
          flexShrink: 0,
          maxWidth: contentWidth - 260,
          fontSize: countSize,
          fontWeight: 700,
          lineHeight: 1.15,
          color: COLOURS.accent,
        },
        countLabel,
      ),
      el(
        'div',
        {
          ...singleLine,
          flexShrink: 1,
          minWidth: 0,
          marginLeft: 32,
          fontSize: 28,
          lineHeight: 1.5,
          color: COLOURS.muted,
        },
        cleanText(input.siteName),
      ),
    ],
  );

  return el(
    'div',
    {
      width: SHARE_IMAGE_WIDTH,
      height: SHARE_IMAGE_HEIGHT,
      display: 'flex',
      flexDirection: 'column',
      backgroundColor: COLOURS.background,
      fontFamily: FONT_FAMILY,
    },
    [
      ...(band
        ? [
            {
              type: 'img',
              props: {
                src: `data:image/jpeg;base64,${band.toString('base64')}`,
                width: SHARE_IMAGE_BAND_WIDTH,
                height: SHARE_IMAGE_BAND_HEIGHT,
                style: { width: SHARE_IMAGE_BAND_WIDTH, height: SHARE_IMAGE_BAND_HEIGHT },
              },
            },
          ]
        : []),
      el('div', { width: SHARE_IMAGE_WIDTH, height: ACCENT_BAR_HEIGHT, backgroundColor: COLOURS.accent }),
      el(
        'div',
        {
          display: 'flex',
          flexDirection: 'column',
          flexGrow: 1,
          padding: band ? `24px ${PADDING_X}px 32px` : `40px ${PADDING_X}px 48px`,
        },
        [
          // Title block is centred in the space above the rule so short titles
          // don't leave a hole in the middle of the card.
          el(
            'div',
            {
              display: 'flex',
              flexDirection: 'column',
              justifyContent: 'center',
              flexGrow: 1,
              paddingBottom: band ? 8 : 24,
            },
            top,
          ),
          bottom,
        ],
      ),
    ],
  );
}

/** Render the share image. Resolves to PNG bytes (1200×630). */
export async function renderShareImage(input: ShareImageInput): Promise<Buffer> {
  // Loaded on the first image, not at start: ~15 MB that the commands and the worker never need.
  const [{ default: satori }, { renderAsync }] = await Promise.all([import('satori'), import('@resvg/resvg-js')]);
  const fonts = await loadFonts();
  // satori's declared parameter type is React's ReactNode; our plain element
  // objects are exactly what JSX produces, so this cast is only for the types.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- satori's CommonJS entry ships no .d.cts, so the linter's resolver sees an error type; tsc resolves it.
  const tree = buildTree(input) as unknown as Parameters<typeof satori>[0];
  const svg = await satori(tree, {
    width: SHARE_IMAGE_WIDTH,
    height: SHARE_IMAGE_HEIGHT,
    fonts,
    // No loadAdditionalAsset: glyphs missing from DejaVu (e.g. emoji) fall back
    // locally instead of being fetched from a CDN.
  });
  // renderAsync runs in the libuv thread pool so a burst of crawler requests
  // does not block the event loop. Text is already converted to paths by
  // satori, so system fonts are not needed (and scanning them is slow).
  const rendered = await renderAsync(svg, {
    fitTo: { mode: 'original' },
    font: { loadSystemFonts: false },
  });
  return rendered.asPng();
}

/* ------------------------------------------------------------------------ */
/* Cache                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * Bucket a signature count so the share image is re-rendered only when the
 * count changes meaningfully.
 *
 * Rule:
 *  - below 100, every count is its own bucket (each new signature shows);
 *  - from 100 up, buckets grow geometrically by 1%: bucket k covers counts in
 *    [100·1.01^k, 100·1.01^(k+1)), so the image refreshes after roughly every
 *    1% change (every signature up to ~200, every ~10 at 1 000, every ~100 at
 *    10 000, every ~1 000 at 100 000).
 * The returned number is an opaque, monotonic bucket id, not a count.
 * Negative, fractional or non-finite counts are clamped to a whole count ≥ 0.
 */
export function countBucket(count: number): number {
  const n = Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0;
  if (n < 100) return n;
  // Small epsilon so exact powers (e.g. 101 = 100·1.01) land in the upper
  // bucket despite floating-point rounding.
  return 100 + Math.floor(Math.log(n / 100) / Math.log(1.01) + 1e-9);
}

export interface ShareImageCacheOptions {
  /** Maximum number of (letter, language) images kept; least recently used is evicted. Default 200. */
  maxEntries?: number;
}

export interface ShareImageCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
}

interface CacheEntry {
  bucket: number;
  png: Buffer;
}

/**
 * In-memory LRU cache of share images keyed by (letterId, language, count bucket).
 *
 * Only one image is kept per (letterId, language): an image for an older
 * bucket can never be served again once the count has moved on, so it is
 * replaced rather than left to occupy an LRU slot. Concurrent misses for the
 * same key share one render (social networks' crawlers tend to arrive in bursts
 * right after a link is posted). With ~50–80 kB per PNG the default 200
 * entries cost roughly 10–16 MB.
 */
export class ShareImageCache {
  private readonly maxEntries: number;
  // Map iteration order is insertion order; re-inserting on access makes the
  // first key the least recently used.
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  // Bumped by invalidate()/clear() so a render that was already in flight
  // does not re-insert an image made from the old title.
  private generation = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(options: ShareImageCacheOptions = {}) {
    const max = options.maxEntries ?? 200;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`ShareImageCache maxEntries must be a positive integer, got ${max}`);
    }
    this.maxEntries = max;
  }

  private static key(letterId: string | number, language: string): string {
    // NUL cannot appear in ids or language tags, so keys cannot collide.
    return `${letterId}\u0000${language}`;
  }

  /** Cached PNG for this letter/language if it was rendered for the same count bucket. */
  get(letterId: string | number, language: string, count: number): Buffer | undefined {
    const key = ShareImageCache.key(letterId, language);
    const entry = this.entries.get(key);
    if (!entry || entry.bucket !== countBucket(count)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.png;
  }

  set(letterId: string | number, language: string, count: number, png: Buffer): void {
    const key = ShareImageCache.key(letterId, language);
    this.entries.delete(key);
    this.entries.set(key, { bucket: countBucket(count), png });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  /**
   * Return the cached image or render, store and return a new one.
   * Concurrent calls for the same letter/language/bucket await a single render;
   * a failed render is not cached.
   */
  async getOrRender(
    key: { letterId: string | number; language: string; count: number },
    render: () => Promise<Buffer>,
  ): Promise<Buffer> {
    const cached = this.get(key.letterId, key.language, key.count);
    if (cached) return cached;

    const flightKey = `${ShareImageCache.key(key.letterId, key.language)}\u0000${countBucket(key.count)}`;
    const pending = this.inflight.get(flightKey);
    if (pending) return pending;

    const generation = this.generation;
    const promise = render().then((png) => {
      if (generation === this.generation) this.set(key.letterId, key.language, key.count, png);
      return png;
    });
    this.inflight.set(flightKey, promise);
    try {
      return await promise;
    } finally {
      this.inflight.delete(flightKey);
    }
  }

  /** Drop every language's image for a letter, e.g. after its title was edited. */
  invalidate(letterId: string | number): void {
    this.generation++;
    const prefix = `${letterId}\u0000`;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) this.entries.delete(key);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): ShareImageCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.entries.size };
  }
}
