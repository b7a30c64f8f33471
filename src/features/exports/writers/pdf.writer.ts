/**
 * PDF "delivery pack" handed to the letter's recipient: cover page, the letter
 * text, every version of the text that the pack's signatures are under, then
 * the table of signatories, with a footer on every page.
 *
 * - Fonts: DejaVu Sans (regular, bold, oblique, mono) embedded as subsets, so
 *   Latin, Cyrillic and Kazakh letters (ә ғ қ ң ө ұ ү һ і) render and remain
 *   selectable/extractable (pdfkit writes a ToUnicode map for embedded fonts).
 * - Privacy: the e-mail column is NEVER rendered, whatever `meta.columns` says.
 * - Labels on the cover and translated values (signed as / source) come from
 *   the exports catalogue (locales/<lang>/exports.json, `exports.pdf`); any
 *   other language falls back to English, and dates/numbers are then formatted
 *   in English too so the cover never mixes languages (pdf/labels.ts). Table
 *   headers are `meta.labels` (already translated).
 * - Last page (when `meta.auditSummary` is given): what the organisers did, from the letter's
 *   audit trail, grouped and counted, with no signer named (export.service.ts builds the lines).
 * - Footer: `Export <exportId> · page N of M`, in the pack's language (plus `meta.footerText` above it).
 *   M is only known at the end, so the document is created with
 *   `bufferPages: true` and footers are stamped once all rows are in.
 *
 * MEMORY LIMIT: with bufferPages, pdfkit keeps every page in memory until
 * `doc.end()`. Rows are drawn as they arrive and finished pages are compacted
 * (see compactPage), but memory still grows linearly with the row count:
 * measured ~3.7 KB per signatory, i.e. 20k rows / 800 pages peaked at ~220 MB
 * RSS (≈500 MB before compaction), so 100k rows needs roughly 0.5 GB. Very
 * large exports belong in CSV/XLSX/JSON; callers should cap PDF packs.
 *
 * The parts: pdf/document.ts (fonts, cover, letter page, footers, page
 * compaction), pdf/markdown.ts (the letter text), pdf/table.ts (the
 * signatories), pdf/labels.ts (the pack's own words), pdf/layout.ts (geometry).
 *
 * Output is deterministic: the same rows and meta give byte-identical files
 * (CreationDate comes from `meta.generatedAt`), so a recorded SHA-256 can be
 * re-verified by re-rendering.
 */
import type { ExportWriter } from '../export-row';
import { OutputGuard } from '../stream-helpers';
import { createDocument, drawAuditSummary, drawCover, drawLetter, drawSignedTexts, stampFooters } from './pdf/document';
import { packLabels } from './pdf/labels';
import { SignatoryTable, tableColumns } from './pdf/table';

export { packLabels };

/**
 * Drawing is synchronous, and an in-memory or pre-fetched source resolves
 * through microtasks only, so without an explicit yield a big pack would block
 * the server's event loop for its whole duration — and stream 'close'/'error'
 * events (a departed client) would not be seen until the end.
 */
const YIELD_EVERY_ROWS = 200;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const writePdf: ExportWriter = async (rows, out, meta) => {
  const guard = new OutputGuard(out);
  try {
    const labels = packLabels(meta.language);
    const doc = await createDocument(meta);
    doc.pipe(out);
    drawCover(doc, meta, labels);
    drawLetter(doc, meta);
    drawSignedTexts(doc, meta, labels);

    const table = new SignatoryTable(doc, tableColumns(doc, meta, labels), labels);
    table.start(labels.signatories);
    let rowCount = 0;
    for await (const row of rows) {
      table.addRow(row);
      rowCount++;
      if (rowCount % YIELD_EVERY_ROWS === 0) {
        await yieldToEventLoop();
        guard.check(); // stop early if the client went away
      }
    }
    table.finish();
    if (meta.auditSummary) drawAuditSummary(doc, meta.auditSummary, labels, meta.auditChainHead);
    stampFooters(doc, meta, labels);

    guard.expectEnd();
    doc.end(); // flushes the buffered pages; the pipe then ends `out`
    await guard.finished();
    return { rowCount };
  } finally {
    guard.release();
  }
};
