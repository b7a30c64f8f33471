import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../platform/paths';

/** The icon pages link as SVG (public/favicon.svg); /favicon.ico is made from it. */
export const FAVICON_SVG = path.join(PROJECT_ROOT, 'public', 'favicon.svg');

/** The sizes browsers and systems pick from (tabs, bookmarks, taskbars). */
const ICO_SIZES = [16, 32, 48];

/**
 * An ICO file holding one PNG per size (PNG entries are read by every browser that still asks for
 * /favicon.ico): the 6-byte ICONDIR, one 16-byte ICONDIRENTRY per image, then the images.
 */
export function icoFromPngs(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const entry = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, entry); // width (0 means 256)
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1); // height
    header.writeUInt8(0, entry + 2); // no palette
    header.writeUInt8(0, entry + 3); // reserved
    header.writeUInt16LE(1, entry + 4); // colour planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

let ico: Promise<Buffer> | null = null;

/** Rendered once per process from the SVG, so the two icons never differ. */
export function faviconIco(): Promise<Buffer> {
  ico ??= (async () => {
    const svg = await readFile(FAVICON_SVG);
    const { renderAsync } = await import('@resvg/resvg-js');
    const images = await Promise.all(
      ICO_SIZES.map(async (size) => {
        const rendered = await renderAsync(svg, {
          fitTo: { mode: 'width', value: size },
          font: { loadSystemFonts: false },
        });
        return { size, png: rendered.asPng() };
      }),
    );
    return icoFromPngs(images);
  })();
  ico.catch(() => (ico = null));
  return ico;
}
