/**
 * Plain share links for a letter: ordinary <a href> targets, no SDK, no
 * script, no third-party widget. Nothing from the networks loads until the
 * visitor chooses to click, and we never add tracking parameters.
 */

export type ShareNetwork = 'telegram' | 'whatsapp' | 'facebook' | 'x' | 'email';

export interface ShareLink {
  network: ShareNetwork;
  href: string;
}

export interface ShareLinksInput {
  /** Absolute http(s) URL of the letter. */
  url: string;
  /** Short message that accompanies the link. */
  text: string;
  /** Used as the e-mail subject. */
  title: string;
}

/*
 * Query parameters that only exist to track people. If the page URL we are
 * given was itself reached through a tracked link (e.g. a newsletter's
 * utm_source), passing it on would tell the next recipient's click-through
 * where it came from, so they are removed. Everything else is kept as is.
 */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  'ref_src',
  'si',
]);

function isTrackingParam(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

/** Drop tracking query parameters from an absolute http(s) URL; throws on other schemes. */
export function stripTrackingParams(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`share URL must be http(s), got ${parsed.protocol}`);
  }
  const names = [...new Set(parsed.searchParams.keys())];
  let changed = false;
  for (const name of names) {
    if (isTrackingParam(name)) {
      parsed.searchParams.delete(name);
      changed = true;
    }
  }
  // Only re-serialise when something was removed, so an already clean URL is
  // returned byte-for-byte (URL serialisation can otherwise re-encode the query).
  return changed ? parsed.toString() : url;
}

/**
 * Strict RFC 3986 percent-encoding: encodeURIComponent leaves !'()* alone,
 * which is legal in a query but `'` would end a single-quoted HTML attribute
 * and some mail clients mangle the others. Spaces become %20 (never "+"),
 * as RFC 6068 requires for mailto.
 */
export function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** RFC 6068: line breaks in a mailto body must be CRLF (%0D%0A). */
function crlf(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

/** Share links in a stable order: Telegram, WhatsApp, Facebook, X, e-mail. */
export function shareLinks(input: ShareLinksInput): ShareLink[] {
  const url = stripTrackingParams(input.url.trim());
  const text = input.text.trim();
  const title = input.title.trim();
  const u = encodeStrict(url);
  const withUrl = (sep: string): string => (text ? `${text}${sep}${url}` : url);
  // An empty `text=` would make some clients show an empty quote; omit it.
  const textParam = text ? `&text=${encodeStrict(text)}` : '';

  return [
    { network: 'telegram', href: `https://t.me/share/url?url=${u}${textParam}` },
    // WhatsApp has a single text field; it turns the URL inside it into a link.
    { network: 'whatsapp', href: `https://wa.me/?text=${encodeStrict(withUrl(' '))}` },
    // Facebook's sharer ignores any text and reads the page's Open Graph tags.
    { network: 'facebook', href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
    {
      network: 'x',
      href: text
        ? `https://x.com/intent/post?text=${encodeStrict(text)}&url=${u}`
        : `https://x.com/intent/post?url=${u}`,
    },
    {
      network: 'email',
      href: `mailto:?subject=${encodeStrict(title)}&body=${encodeStrict(crlf(withUrl('\n\n')))}`,
    },
  ];
}
