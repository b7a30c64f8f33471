import crypto from 'node:crypto';

/**
 * A small PDF whose structure holds (header, objects, cross-reference table at the offset that
 * `startxref` names, trailer, `%%EOF`), with `padding` random bytes in a stream so that a test can
 * make it as large as it needs.
 */
export function aPdf(padding = 2048): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  const length = () => parts.reduce((n, p) => n + p.length, 0);
  const object = (n: number, body: Buffer) => {
    offsets[n] = length();
    parts.push(Buffer.from(`${n} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1'));
  };
  object(1, Buffer.from('<< /Type /Catalog /Pages 2 0 R >>', 'latin1'));
  object(2, Buffer.from('<< /Type /Pages /Kids [] /Count 0 >>', 'latin1'));
  const bytes = crypto.randomBytes(padding);
  object(
    3,
    Buffer.concat([
      Buffer.from(`<< /Length ${bytes.length} >>\nstream\n`, 'latin1'),
      bytes,
      Buffer.from('\nendstream', 'latin1'),
    ]),
  );
  const xref = length();
  const rows = [1, 2, 3].map((n) => `${String(offsets[n]).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(
    Buffer.from(
      `xref\n0 4\n0000000000 65535 f \n${rows}trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}
