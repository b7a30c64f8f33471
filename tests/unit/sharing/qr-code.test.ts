import QRCode from 'qrcode';
import { qrPng, qrPngSize, qrSvg } from '../../../src/features/sharing/qr-code';

const URL_ = 'https://undersigned.example/l/42?lang=uk';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('qrSvg', () => {
  it('returns an inline-safe SVG', async () => {
    const svg = await qrSvg(URL_);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('viewBox=');
    expect(svg).not.toMatch(/style\s*=/i); // strict CSP: no inline styles
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // nothing from another host
  });

  it('uses error-correction level M with a 2-module margin', async () => {
    const svg = await qrSvg(URL_);
    const modules = QRCode.create(URL_, { errorCorrectionLevel: 'M' }).modules.size;
    expect(svg).toContain(`viewBox="0 0 ${modules + 4} ${modules + 4}"`);
    // Level L would give a different (smaller or equal) symbol; check the level explicitly.
    expect(QRCode.create(URL_, { errorCorrectionLevel: 'M' }).errorCorrectionLevel.bit).toBe(0);
  });
});

describe('qrPng', () => {
  it('returns a PNG of the requested size', async () => {
    const png = await qrPng(URL_, 256);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(256);
    expect(png.readUInt32BE(20)).toBe(256);
  });

  it('defaults to 512 px', async () => {
    expect((await qrPng(URL_)).readUInt32BE(16)).toBe(512);
  });
});

describe('qrPngSize', () => {
  // Tested on the pure function: encoding a 1024 px PNG takes seconds inside
  // jest's VM sandbox (≈0.1 s in plain Node), which would make the suite slow.
  it('answers the offered size nearest to any request, the default for non-numbers', () => {
    expect(qrPngSize(256)).toBe(256);
    expect(qrPngSize(512)).toBe(512);
    expect(qrPngSize(1024)).toBe(1024);
    expect(qrPngSize(300.4)).toBe(256);
    expect(qrPngSize(384)).toBe(512);
    expect(qrPngSize(900)).toBe(1024);
    expect(qrPngSize(1_000_000)).toBe(1024);
    expect(qrPngSize(1)).toBe(256);
    expect(qrPngSize(-10)).toBe(256);
    expect(qrPngSize(Number.NaN)).toBe(512);
    expect(qrPngSize(Number.POSITIVE_INFINITY)).toBe(512);
  });
});
