/**
 * What makes a file a PDF, checked on what an upload keeps while it streams (its first and last
 * bytes) and one small read by offset: no PDF library here can read a file in pieces (pdfkit only
 * writes; pdf-parse, a test dependency, wants the whole file in memory), so this checks the
 * structure every PDF reader starts from (ISO 32000-1 §7.5):
 *
 * - the header `%PDF-1.x` (or `2.x`) and an end of line, at the very start;
 * - `%%EOF` within the last PDF_TAIL_BYTES (where readers look for it);
 * - before it `startxref` and a byte offset inside the file;
 * - at that offset a cross-reference table (`xref`) or a cross-reference stream (`n g obj`).
 *
 * A file that only begins with "%PDF-" (an HTML page renamed, a file cut off in transit) fails.
 */
export const PDF_TAIL_BYTES = 1024;
export const PDF_HEAD_BYTES = 16;

export type PdfProblem = 'header' | 'eof' | 'startxref' | 'xref';

const HEADER = /^%PDF-[12]\.\d[\r\n\t ]/;
const START_XREF = /startxref[\r\n\t ]+(\d{1,12})[\r\n\t ]+%%EOF/g;
const XREF_AT = /^[\r\n\t ]*(xref|\d+[\r\n\t ]+\d+[\r\n\t ]+obj)\b/;

export async function pdfStructureProblem(
  file: { size: number; head: Buffer; tail: Buffer },
  readAt: (offset: number, length: number) => Promise<Buffer>,
): Promise<PdfProblem | null> {
  if (!HEADER.test(file.head.toString('latin1'))) return 'header';
  const tail = file.tail.toString('latin1');
  const eof = tail.lastIndexOf('%%EOF');
  if (eof === -1 || tail.slice(eof + 5).trim() !== '') return 'eof';
  const found = [...tail.matchAll(START_XREF)].pop();
  if (!found) return 'startxref';
  const offset = Number(found[1]);
  // The cross-reference section lies between the header and the startxref that names it.
  const startxrefAt = file.size - file.tail.length + (found.index ?? 0);
  if (offset < 9 || offset >= startxrefAt) return 'xref';
  const at = (await readAt(offset, 32)).toString('latin1');
  return XREF_AT.test(at) ? null : 'xref';
}
