/**
 * QR codes for a letter's public URL (posters, printed flyers, slides).
 * Generated locally with the `qrcode` package: no third-party QR service is
 * ever asked, which would reveal which letter is being promoted.
 */
import QRCode from 'qrcode';

// Level M (~15% recovery) survives a crease or a smudge on a printed poster
// while keeping the code small; margin 2 modules is enough quiet zone for
// phone scanners and looks less wasteful than the spec's 4 on screens.
const BASE_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

export const QR_PNG_DEFAULT_SIZE = 512;
/**
 * The only widths a PNG is made in: each is rendered once per letter and language and then
 * served from memory (a 1024 px render costs over 100 ms of CPU). 1024 px is ~8.7 cm at
 * 300 dpi; larger prints should use the SVG.
 */
export const QR_PNG_SIZES = [256, 512, 1024] as const;
export type QrPngSize = (typeof QR_PNG_SIZES)[number];

/**
 * The offered width nearest to a requested `?size=` (ties go to the larger), the default for
 * anything that is not a number: links made when any width from 64 to 1024 was rendered on
 * demand keep working and get about the size they asked for.
 */
export function qrPngSize(size: number): QrPngSize {
  if (!Number.isFinite(size)) return QR_PNG_DEFAULT_SIZE;
  let best: QrPngSize = QR_PNG_SIZES[0];
  for (const s of QR_PNG_SIZES) if (Math.abs(s - size) <= Math.abs(best - size)) best = s;
  return best;
}

/** QR code as an SVG string (viewBox only, no inline styles: safe to inline under a strict CSP). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...BASE_OPTIONS, type: 'svg' });
}

/** QR code as PNG bytes, one of the offered widths (default 512). */
export function qrPng(url: string, size: QrPngSize = QR_PNG_DEFAULT_SIZE): Promise<Buffer> {
  return QRCode.toBuffer(url, { ...BASE_OPTIONS, type: 'png', width: size });
}
