/**
 * The rules of the oEmbed 1.0 specification (oembed.com, sections 2.3.4 and 2.3.5) that a
 * consumer relies on, applied to one JSON response the way a consumer reads it. Returns the
 * rules broken (empty: the response is one a consumer may use as it is).
 */
export interface OEmbedRequest {
  maxwidth?: number;
  maxheight?: number;
}

const TYPES = ['photo', 'video', 'link', 'rich'] as const;

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

export function oembedProblems(body: unknown, request: OEmbedRequest = {}): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the response is not a JSON object'];
  const r = body as Record<string, unknown>;
  // 2.3.4: every response.
  if (r.version !== '1.0') problems.push('version must be "1.0"');
  if (!TYPES.includes(r.type as (typeof TYPES)[number])) problems.push(`type must be one of ${TYPES.join(', ')}`);
  for (const key of ['title', 'author_name', 'author_url', 'provider_name', 'provider_url', 'thumbnail_url']) {
    if (key in r && typeof r[key] !== 'string') problems.push(`${key} must be a string`);
  }
  for (const key of ['author_url', 'provider_url', 'thumbnail_url']) {
    if (typeof r[key] === 'string' && !URL.canParse(r[key])) problems.push(`${key} must be a URL`);
  }
  if ('cache_age' in r && !(typeof r.cache_age === 'number' && r.cache_age >= 0))
    problems.push('cache_age must be a number of seconds');
  // Thumbnails: all three or none, and within the maximum size asked for.
  const thumb = ['thumbnail_url', 'thumbnail_width', 'thumbnail_height'].filter((k) => k in r);
  if (thumb.length && thumb.length !== 3)
    problems.push('thumbnail_url, thumbnail_width and thumbnail_height go together');
  if (request.maxwidth !== undefined && typeof r.thumbnail_width === 'number' && r.thumbnail_width > request.maxwidth) {
    problems.push('thumbnail_width exceeds maxwidth');
  }
  if (
    request.maxheight !== undefined &&
    typeof r.thumbnail_height === 'number' &&
    r.thumbnail_height > request.maxheight
  ) {
    problems.push('thumbnail_height exceeds maxheight');
  }
  // 2.3.4.1-4: per type.
  const sized = r.type === 'photo' || r.type === 'video' || r.type === 'rich';
  if (r.type === 'photo' && typeof r.url !== 'string') problems.push('a photo response needs url');
  if ((r.type === 'video' || r.type === 'rich') && (typeof r.html !== 'string' || !r.html))
    problems.push(`a ${String(r.type)} response needs html`);
  if (sized) {
    if (!isPositiveInteger(r.width)) problems.push('width must be a positive number of pixels');
    if (!isPositiveInteger(r.height)) problems.push('height must be a positive number of pixels');
    // "For supported resource types, this parameter must be respected by providers."
    if (request.maxwidth !== undefined && typeof r.width === 'number' && r.width > request.maxwidth)
      problems.push('width exceeds maxwidth');
    if (request.maxheight !== undefined && typeof r.height === 'number' && r.height > request.maxheight)
      problems.push('height exceeds maxheight');
    // The HTML is what the consumer inserts: an iframe in it must not be bigger than the response says.
    if (typeof r.html === 'string') {
      const w = /\bwidth="(\d+)"/.exec(r.html)?.[1];
      const h = /\bheight="(\d+)"/.exec(r.html)?.[1];
      if (w !== undefined && Number(w) !== r.width) problems.push('the width in html differs from width');
      if (h !== undefined && Number(h) !== r.height) problems.push('the height in html differs from height');
    }
  }
  return problems;
}
