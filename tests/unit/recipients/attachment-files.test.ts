import PDFDocument from 'pdfkit';
import { PDF_TAIL_BYTES, pdfStructureProblem } from '../../../src/features/recipients/pdf-structure';
import { attachmentName } from '../../../src/features/recipients/response-upload';
import { contentDisposition } from '../../../src/platform/web/send-file';
import { aPdf } from '../../support/pdf';

/** What the upload keeps of a file while it streams: its size, first bytes and last bytes; the rest is read back by offset. */
function check(file: Buffer) {
  return pdfStructureProblem(
    { size: file.length, head: file.subarray(0, 32), tail: file.subarray(Math.max(0, file.length - PDF_TAIL_BYTES)) },
    (offset, length) => Promise.resolve(file.subarray(offset, offset + length)),
  );
}

function pdfkitDocument(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ compress: true });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.text('Réponse du ministère');
    doc.end();
  });
}

describe('the PDF structure check', () => {
  test('takes a whole PDF: a header with its version, a startxref naming a cross-reference, %%EOF at the end', async () => {
    expect(await check(aPdf())).toBeNull();
    expect(await check(await pdfkitDocument())).toBeNull();
    // Trailing whitespace after %%EOF, and an xref stream (PDF 1.5+) in place of a table.
    expect(await check(Buffer.concat([aPdf(), Buffer.from('\r\n\r\n')]))).toBeNull();
    const body =
      '%PDF-1.5\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Type /XRef /Size 3 >>\nstream\nx\nendstream\nendobj\n';
    const streamXref = Buffer.from(`${body}startxref\n${body.indexOf('2 0 obj')}\n%%EOF\n`, 'latin1');
    expect(await check(streamXref)).toBeNull();
  });

  test('refuses what only starts like one', async () => {
    expect(await check(Buffer.from('%PDF-<html><script>alert(1)</script></html>\n%%EOF'))).toBe('header');
    expect(await check(Buffer.from('%PDF'))).toBe('header');
    expect(await check(Buffer.from('<html>%PDF-1.7\n'))).toBe('header');
    expect(await check(Buffer.from('MZ\x90\x00 a program.pdf'))).toBe('header');
    expect(await check(Buffer.from('%PDF-1.7\n<html><body>phish</body></html>\n'))).toBe('eof');
    expect(await check(Buffer.from('%PDF-1.7\n<html><body>phish</body></html>\n%%EOF\n'))).toBe('startxref');
    const pdf = aPdf(8 * 1024);
    expect(await check(pdf.subarray(0, pdf.length - 600))).toBe('eof');
    expect(await check(Buffer.from(pdf.toString('latin1').replace(/startxref\n\d+/, 'startxref\n20'), 'latin1'))).toBe(
      'xref',
    );
    expect(
      await check(Buffer.from(pdf.toString('latin1').replace(/startxref\n\d+/, 'startxref\n99999999'), 'latin1')),
    ).toBe('xref');
  });
});

describe('the attachment name', () => {
  test('keeps no path, no control or direction characters, no quotes, and at most 200 characters', () => {
    expect(attachmentName('C:\\Users\\minister\\réponse.pdf')).toBe('réponse.pdf');
    expect(attachmentName('../../etc/"answer"\u0000.pdf')).toBe('answer.pdf');
    expect(attachmentName('Ответ\u202Efdp.exe\u0007\u0085 министерства.pdf')).toBe('Ответfdp.exe министерства.pdf');
    expect(attachmentName('a\r\nContent-Type: text/html.pdf')).toBe('html.pdf');
    expect(attachmentName('')).toBe('response.pdf');
    expect(attachmentName('\u202E\u0000')).toBe('response.pdf');
    expect(attachmentName('a'.repeat(300))).toHaveLength(200);
    expect([...attachmentName('😀'.repeat(300))]).toHaveLength(200);
  });

  test('is sent as RFC 6266 asks: an ASCII filename and the UTF-8 filename*', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('réponse (1).pdf')).toBe(
      `attachment; filename="r_ponse (1).pdf"; filename*=UTF-8''r%C3%A9ponse%20%281%29.pdf`,
    );
    expect(contentDisposition("50% \\ it's.pdf")).toBe(
      `attachment; filename="50_ _ it's.pdf"; filename*=UTF-8''50%25%20%5C%20it%27s.pdf`,
    );
  });
});
