import { encodeStrict, shareLinks, stripTrackingParams } from '../../../src/features/sharing/share-links';

const input = {
  url: 'https://undersigned.example/l/42?lang=uk',
  text: 'Підпишіть лист & поділіться!',
  title: "Лист «Свобода» — it's urgent",
};

function byNetwork(links: ReturnType<typeof shareLinks>): Record<string, string> {
  return Object.fromEntries(links.map((l) => [l.network, l.href]));
}

describe('shareLinks', () => {
  it('returns the five networks in a stable order', () => {
    expect(shareLinks(input).map((l) => l.network)).toEqual(['telegram', 'whatsapp', 'facebook', 'x', 'email']);
  });

  it('builds the documented URL shapes', () => {
    const h = byNetwork(shareLinks(input));
    const u = encodeURIComponent(input.url);
    const t = encodeStrict(input.text);
    expect(h.telegram).toBe(`https://t.me/share/url?url=${u}&text=${t}`);
    expect(h.whatsapp).toBe(`https://wa.me/?text=${encodeStrict(`${input.text} ${input.url}`)}`);
    expect(h.facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${u}`);
    expect(h.x).toBe(`https://x.com/intent/post?text=${t}&url=${u}`);
    expect(h.email).toBe(
      `mailto:?subject=${encodeStrict(input.title)}&body=${encodeStrict(`${input.text}\r\n\r\n${input.url}`)}`,
    );
  });

  it('percent-encodes Cyrillic text and round-trips it', () => {
    const h = byNetwork(shareLinks(input));
    expect(h.telegram).toContain('%D0%9F%D1%96%D0%B4%D0%BF%D0%B8%D1%88%D1%96%D1%82%D1%8C'); // "Підпишіть"
    const tg = new URL(h.telegram);
    expect(tg.searchParams.get('text')).toBe(input.text);
    expect(tg.searchParams.get('url')).toBe(input.url);
    expect(new URL(h.x).searchParams.get('text')).toBe(input.text);
    expect(new URL(h.facebook).searchParams.get('u')).toBe(input.url);
  });

  it("encodes ampersands, quotes and the URL's own query so nothing leaks into the outer query", () => {
    for (const { href } of shareLinks(input)) {
      const query = href.slice(href.indexOf('?') + 1);
      // Only our own separators remain raw.
      expect(query.split('&').length).toBeLessThanOrEqual(2);
      expect(href).not.toMatch(/[ '"<>]/);
    }
    const h = byNetwork(shareLinks(input));
    for (const network of ['telegram', 'whatsapp', 'x', 'email']) {
      expect(h[network]).toContain('%20%26%20'); // " & " of the text
    }
    expect(h.email).toContain('%27s'); // apostrophe of the title
    expect(h.facebook).toContain('%3Flang%3Duk');
  });

  it('mailto follows RFC 6068: %20 for spaces, CRLF line breaks', () => {
    const h = byNetwork(shareLinks({ ...input, text: 'line one\nline two' }));
    expect(h.email.startsWith('mailto:?subject=')).toBe(true);
    expect(h.email).not.toContain('+');
    expect(h.email).toContain('%20');
    expect(h.email).toContain('line%20one%0D%0Aline%20two%0D%0A%0D%0Ahttps');
    expect(h.email).not.toMatch(/%0A(?<!%0D%0A)/); // no bare LF
  });

  it('adds no tracking parameters and strips existing ones from the page URL', () => {
    const links = shareLinks({
      ...input,
      url: 'https://undersigned.example/l/42?utm_source=newsletter&lang=uk&fbclid=abc&UTM_Campaign=x&gclid=1',
    });
    for (const { href } of links) {
      const decoded = decodeURIComponent(href);
      expect(decoded).not.toMatch(/utm_|fbclid|gclid|ref=|source=/i);
      expect(decoded).toContain('https://undersigned.example/l/42?lang=uk');
    }
  });

  it('leaves an already clean URL untouched and rejects non-http schemes', () => {
    expect(stripTrackingParams('https://a.example/l/1?q=%D0%B0+b')).toBe('https://a.example/l/1?q=%D0%B0+b');
    expect(() => shareLinks({ ...input, url: 'javascript:alert(1)' })).toThrow(TypeError);
  });

  it('omits an empty text parameter', () => {
    const h = byNetwork(shareLinks({ ...input, text: '' }));
    expect(h.telegram).toBe(`https://t.me/share/url?url=${encodeURIComponent(input.url)}`);
    expect(h.x).toBe(`https://x.com/intent/post?url=${encodeURIComponent(input.url)}`);
    expect(h.whatsapp).toBe(`https://wa.me/?text=${encodeURIComponent(input.url)}`);
  });
});

describe('encodeStrict', () => {
  it("also encodes !'()* which encodeURIComponent leaves alone", () => {
    expect(encodeStrict("it's (really) *urgent*!")).toBe('it%27s%20%28really%29%20%2Aurgent%2A%21');
  });
});
