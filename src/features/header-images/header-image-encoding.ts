import crypto from 'node:crypto';
import sharp from 'sharp';

/** The largest image file an owner may upload. */
export const HEADER_IMAGE_LIMIT_BYTES = 5 * 1024 * 1024;
/** The widest the letter page's image is kept: twice the page's column, for sharp screens. */
export const HEADER_IMAGE_MAX_WIDTH = 1600;
/** The band the share card draws across its top (src/features/sharing/share-image.ts). */
export const HEADER_CARD_WIDTH = 1200;
export const HEADER_CARD_HEIGHT = 270;
/**
 * The most pixels a file may decode to: a small file can declare an enormous canvas (a
 * "decompression bomb"). 40 megapixels is more than any phone camera makes, and decodes in
 * about 120 MB at worst; JPEGs are shrunk while they decode, so most cost far less.
 */
export const HEADER_IMAGE_MAX_PIXELS = 40_000_000;

export type HeaderImageType = 'jpeg' | 'png' | 'webp';

/**
 * The type of an image by its first bytes, never by its name or the type the browser sent:
 * JPEG (FF D8 FF), PNG (its eight-byte signature) or WebP (a RIFF container of kind WEBP).
 * Anything else (SVG, GIF, HEIC, a PDF named .jpg) is null, and never reaches the decoder.
 */
export function headerImageType(head: Buffer): HeaderImageType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  return null;
}

export interface EncodedHeaderImage {
  /** The letter page's image: JPEG, at most HEADER_IMAGE_MAX_WIDTH wide. */
  page: Buffer;
  /** The page image's SHA-256 (hex): its ETag and part of its address. */
  sha256: string;
  width: number;
  height: number;
  /** The share card's band: JPEG, HEADER_CARD_WIDTH × HEADER_CARD_HEIGHT, cropped from the centre. */
  card: Buffer;
}

export class HeaderImageUnreadable extends Error {
  constructor(readonly reason: 'type' | 'damaged' | 'tooManyPixels') {
    super(reason);
  }
}

// One image at a time per process: an owner's upload decodes a few megapixels, and the readers'
// pages must not wait behind several of them on a small machine.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Decodes the upload and encodes it again, from its pixels alone: nothing of the file but the
 * picture survives (no EXIF, and so no GPS position, camera or date; no ICC profile, XMP or
 * comment). It is turned upright first (the EXIF orientation is applied, then dropped), its
 * colours converted to sRGB, any transparency laid on white, and it is made no wider than
 * HEADER_IMAGE_MAX_WIDTH. Always JPEG out: one type to serve, and one the share card can draw.
 */
export function encodeHeaderImage(file: Buffer): Promise<EncodedHeaderImage> {
  const type = headerImageType(file);
  if (!type) return Promise.reject(new HeaderImageUnreadable('type'));
  return oneAtATime(async () => {
    // failOn 'error': a truncated or corrupt file is refused rather than half-drawn in grey.
    const input = () => sharp(file, { limitInputPixels: HEADER_IMAGE_MAX_PIXELS, failOn: 'error', autoOrient: true });
    try {
      const meta = await input().metadata();
      if (meta.format !== type) throw new HeaderImageUnreadable('type');
      // metadata() keeps sharp's toBuffer options empty: sharp writes no metadata unless asked
      // (keepMetadata, withExif, withIccProfile…), and the ICC profile is applied, then dropped.
      const page = await input()
        .resize({ width: HEADER_IMAGE_MAX_WIDTH, withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .jpeg({ quality: 82, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
      const card = await sharp(page.data)
        .resize({ width: HEADER_CARD_WIDTH, height: HEADER_CARD_HEIGHT, fit: 'cover', position: 'centre' })
        .jpeg({ quality: 80, mozjpeg: true })
        .toBuffer();
      return {
        page: page.data,
        sha256: crypto.createHash('sha256').update(page.data).digest('hex'),
        width: page.info.width,
        height: page.info.height,
        card,
      };
    } catch (err) {
      if (err instanceof HeaderImageUnreadable) throw err;
      const message = err instanceof Error ? err.message : '';
      throw new HeaderImageUnreadable(/pixel limit/i.test(message) ? 'tooManyPixels' : 'damaged');
    }
  });
}
