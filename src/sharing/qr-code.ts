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
// Bounds guard against a `?size=` query parameter being used to make the
// server allocate and deflate huge bitmaps (2048 px already costs ~0.4 s of
// CPU). 1024 px is ~8.7 cm at 300 dpi; larger prints should use the SVG.
export const QR_PNG_MIN_SIZE = 64;
export const QR_PNG_MAX_SIZE = 1024;

/** The PNG width actually used for a requested size: rounded, clamped to 64–1024, default for non-numbers. */
export function clampQrSize(size: number): number {
  return Number.isFinite(size)
    ? Math.min(QR_PNG_MAX_SIZE, Math.max(QR_PNG_MIN_SIZE, Math.round(size)))
    : QR_PNG_DEFAULT_SIZE;
}

/** QR code as an SVG string (viewBox only, no inline styles: safe to inline under a strict CSP). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...BASE_OPTIONS, type: 'svg' });
}

/** QR code as PNG bytes, `size` pixels wide and high (see clampQrSize; default 512). */
export function qrPng(url: string, size: number = QR_PNG_DEFAULT_SIZE): Promise<Buffer> {
  return QRCode.toBuffer(url, { ...BASE_OPTIONS, type: 'png', width: clampQrSize(size) });
}
