import {
  ShareImageCache,
  cleanText,
  countBucket,
  renderShareImage,
  titleFontSize,
  wrappedLineCount,
} from '../../../src/features/sharing/share-image';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width/height from the IHDR chunk, which the PNG spec requires to come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderShareImage', () => {
  it('renders a 1200×630 PNG for a Ukrainian title', async () => {
    const png = await renderShareImage({
      title: 'Дорогий Мухтаре Аблязов! Вітаємо з днем народження',
      count: 1234,
      countLabel: '1 234 підписи',
      siteName: 'Undersigned',
    });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 1200, height: 630 });
  });

  it('renders Kazakh text, a recipient and a title far too long to fit', async () => {
    const png = await renderShareImage({
      title: 'Құрметті Мұхтар Әбілқасымұлы! '.repeat(12),
      count: 12_345_678,
      countLabel: '12 345 678 қолтаңба',
      siteName: 'Undersigned',
      recipient: 'Қазақстан Республикасының Президентіне',
    });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 1200, height: 630 });
  });

  it('does not throw on emoji, control characters or an empty title', async () => {
    const png = await renderShareImage({
      title: '🇺🇦 Free\u0000 them\n\t❤️',
      count: 0,
      countLabel: '',
      siteName: '',
    });
    expect(pngSize(png)).toEqual({ width: 1200, height: 630 });
  });
});

describe('titleFontSize', () => {
  it('shrinks the font as titles get longer, within bounds', () => {
    const short = titleFontSize('Free them', 1056, 4);
    const medium = titleFontSize('x '.repeat(60), 1056, 4);
    const long = titleFontSize('x '.repeat(400), 1056, 4);
    expect(short).toBeGreaterThan(medium);
    expect(medium).toBeGreaterThanOrEqual(long);
    expect(long).toBeGreaterThanOrEqual(40);
    expect(short).toBeLessThanOrEqual(80);
  });
});

describe('cleanText', () => {
  it('drops colour emoji and control characters, keeps DejaVu symbols', () => {
    expect(cleanText('🇺🇦  Свобода\n\u0007❤️ ✓ 👨‍👩‍👧')).toBe('Свобода ❤ ✓');
  });
});

describe('countBucket', () => {
  it('gives every count below 100 its own bucket', () => {
    for (let n = 0; n < 100; n++) expect(countBucket(n)).toBe(n);
  });

  it('is monotonic and never collapses two counts ≥ 1% apart', () => {
    let prev = -1;
    for (let n = 0; n <= 200_000; n += n < 1000 ? 1 : 37) {
      const b = countBucket(n);
      expect(b).toBeGreaterThanOrEqual(prev);
      prev = b;
    }
    for (const n of [100, 250, 1000, 9999, 123_456]) {
      expect(countBucket(Math.ceil(n * 1.0101))).toBeGreaterThan(countBucket(n));
    }
  });

  it('refreshes roughly every 1% above 100', () => {
    const buckets = new Set<number>();
    for (let n = 1000; n < 2000; n++) buckets.add(countBucket(n));
    // ln 2 / ln 1.01 ≈ 69.7 buckets per doubling.
    expect(buckets.size).toBeGreaterThanOrEqual(69);
    expect(buckets.size).toBeLessThanOrEqual(71);
    // At 10 000 a handful of new signatures does not re-render…
    expect(countBucket(10_000)).toBe(countBucket(10_001));
  });

  it('clamps nonsense counts', () => {
    expect(countBucket(-5)).toBe(0);
    expect(countBucket(Number.NaN)).toBe(0);
    expect(countBucket(42.9)).toBe(42);
  });
});

describe('ShareImageCache', () => {
  const png = (tag: string): Buffer => Buffer.from(tag);

  it('hits for the same letter, language and count bucket; misses otherwise', () => {
    const cache = new ShareImageCache();
    expect(cache.get('L1', 'uk', 10)).toBeUndefined();
    cache.set('L1', 'uk', 10, png('a'));
    expect(cache.get('L1', 'uk', 10)?.toString()).toBe('a');
    expect(cache.get('L1', 'uk', 11)).toBeUndefined(); // every change under 100
    expect(cache.get('L1', 'kk', 10)).toBeUndefined(); // other language
    expect(cache.get('L2', 'uk', 10)).toBeUndefined(); // other letter
    cache.set('L1', 'uk', 10_000, png('b'));
    expect(cache.get('L1', 'uk', 10_002)?.toString()).toBe('b'); // same 1% bucket
    expect(cache.stats()).toEqual({ hits: 2, misses: 4, evictions: 0, size: 1 });
  });

  it('keeps one image per letter/language: a new bucket replaces the old one', () => {
    const cache = new ShareImageCache();
    cache.set('L1', 'uk', 5, png('old'));
    cache.set('L1', 'uk', 6, png('new'));
    expect(cache.size).toBe(1);
    expect(cache.get('L1', 'uk', 6)?.toString()).toBe('new');
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new ShareImageCache({ maxEntries: 2 });
    cache.set('A', 'uk', 1, png('A'));
    cache.set('B', 'uk', 1, png('B'));
    expect(cache.get('A', 'uk', 1)).toBeDefined(); // A is now most recent
    cache.set('C', 'uk', 1, png('C'));
    expect(cache.size).toBe(2);
    expect(cache.get('B', 'uk', 1)).toBeUndefined();
    expect(cache.get('A', 'uk', 1)?.toString()).toBe('A');
    expect(cache.get('C', 'uk', 1)?.toString()).toBe('C');
    expect(cache.stats().evictions).toBe(1);
  });

  it('defaults to 200 entries and rejects a nonsensical size', () => {
    const cache = new ShareImageCache();
    for (let i = 0; i < 250; i++) cache.set(`L${i}`, 'uk', 1, png(String(i)));
    expect(cache.size).toBe(200);
    expect(cache.get('L0', 'uk', 1)).toBeUndefined();
    expect(cache.get('L249', 'uk', 1)).toBeDefined();
    expect(() => new ShareImageCache({ maxEntries: 0 })).toThrow(RangeError);
  });

  it('getOrRender renders once for concurrent requests and then serves from cache', async () => {
    const cache = new ShareImageCache();
    const render = jest.fn(() => Promise.resolve(png('img')));
    const key = { letterId: 7, language: 'uk', count: 150 };
    const results = await Promise.all([cache.getOrRender(key, render), cache.getOrRender(key, render)]);
    expect(results.map((b) => b.toString())).toEqual(['img', 'img']);
    await cache.getOrRender(key, render);
    expect(render).toHaveBeenCalledTimes(1);
    await cache.getOrRender({ ...key, count: 152 }, render); // 152 ≥ 150·1.01: new bucket
    expect(render).toHaveBeenCalledTimes(2);
  });

  it('does not cache failed renders', async () => {
    const cache = new ShareImageCache();
    const key = { letterId: 'x', language: 'uk', count: 1 };
    await expect(cache.getOrRender(key, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.size).toBe(0);
    const ok = await cache.getOrRender(key, () => Promise.resolve(png('ok')));
    expect(ok.toString()).toBe('ok');
  });

  it('invalidate drops every language of a letter, including a render in flight', async () => {
    const cache = new ShareImageCache();
    cache.set('L1', 'uk', 1, png('uk'));
    cache.set('L1', 'kk', 1, png('kk'));
    cache.set('L10', 'uk', 1, png('other')); // prefix look-alike must survive
    let release: (b: Buffer) => void = () => undefined;
    const inflight = cache.getOrRender(
      { letterId: 'L1', language: 'ru', count: 1 },
      () => new Promise<Buffer>((r) => (release = r)),
    );
    cache.invalidate('L1');
    release(png('stale'));
    await inflight;
    expect(cache.get('L1', 'uk', 1)).toBeUndefined();
    expect(cache.get('L1', 'kk', 1)).toBeUndefined();
    expect(cache.get('L1', 'ru', 1)).toBeUndefined();
    expect(cache.get('L10', 'uk', 1)?.toString()).toBe('other');
  });
});

describe('wrappedLineCount', () => {
  it('counts lines as a word wrap fills them, breaking only words longer than a line', () => {
    expect(wrappedLineCount('aaaa bbbb cccc', 9)).toBe(2);
    expect(wrappedLineCount('aaaa bbbb cccc', 14)).toBe(1);
    expect(wrappedLineCount('a bbbbbbbbbbbbbbbbbbbb c', 10)).toBe(4);
  });

  it('gives the long Ukrainian birthday title a size at which it needs no ellipsis', () => {
    const title = 'Привітання Мухтарові Аблязову з днем народження від українських правозахисників';
    const size = titleFontSize(title, 1056, 4);
    expect(wrappedLineCount(title, 1056 / (size * 0.64))).toBeLessThanOrEqual(4);
    expect(size).toBeLessThan(68);
  });
});
