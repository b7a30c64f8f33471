/**
 * The delivery pack as a document: fonts, cover page, the letter page, the footer stamped on
 * every page, and the memory compaction of finished pages. The letter text goes through
 * markdown.ts, the signatories through table.ts.
 */
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import type { ExportMeta } from '../../export-row';
import type { PackLabels } from './labels';
import { COLOR, CONTENT_WIDTH, type Doc, drawRule, FONT, MARGIN, PAGE } from './layout';
import { renderMarkdown } from './markdown';

const FONT_FILES: Record<string, string> = {
  [FONT.regular]: 'DejaVuSans.ttf',
  [FONT.bold]: 'DejaVuSans-Bold.ttf',
  [FONT.italic]: 'DejaVuSans-Oblique.ttf',
  [FONT.boldItalic]: 'DejaVuSans-BoldOblique.ttf',
  [FONT.mono]: 'DejaVuSansMono.ttf',
};

let fontCache: Map<string, Buffer> | null = null;

/** Font files are read once per process, not once per export. */
function fontBuffers(): Map<string, Buffer> {
  if (!fontCache) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontCache = new Map(Object.entries(FONT_FILES).map(([name, file]) => [name, readFileSync(join(dir, file))]));
  }
  return fontCache;
}

function registerFonts(doc: Doc): void {
  for (const [name, buffer] of fontBuffers()) doc.registerFont(name, buffer);
}

// ---------------------------------------------------------------------------
// Cover page
// ---------------------------------------------------------------------------

function formatGeneratedAt(date: Date, locale: string): string {
  const formatted = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
    date,
  );
  return `${formatted} UTC`;
}

export function drawCover(doc: Doc, meta: ExportMeta, labels: PackLabels): void {
  doc.font(FONT.regular).fontSize(11).fillColor(COLOR.muted);
  doc.text(labels.openLetter.toUpperCase(), MARGIN.left, 150, { width: CONTENT_WIDTH, characterSpacing: 1.5 });
  doc.moveDown(0.8);
  doc.font(FONT.bold).fontSize(26).fillColor(COLOR.text).text(meta.letterTitle, { width: CONTENT_WIDTH, lineGap: 2 });
  doc.moveDown(0.9);
  doc
    .font(FONT.regular)
    .fontSize(13)
    .fillColor(COLOR.text)
    .text(`${labels.to} ${meta.recipient}`, { width: CONTENT_WIDTH });
  doc.moveDown(1.5);
  drawRule(doc, doc.y);
  doc.moveDown(1.5);

  const count = new Intl.NumberFormat(labels.locale).format(meta.verifiedCount);
  doc.font(FONT.bold).fontSize(40).fillColor(COLOR.text).text(count, { width: CONTENT_WIDTH });
  doc.font(FONT.regular).fontSize(12).fillColor(COLOR.muted).text(labels.verifiedSignatures, { width: CONTENT_WIDTH });
  doc.moveDown(2);
  doc
    .fontSize(10)
    .text(`${labels.generated} ${formatGeneratedAt(meta.generatedAt, labels.locale)}`, { width: CONTENT_WIDTH });
}

// ---------------------------------------------------------------------------
// Letter page
// ---------------------------------------------------------------------------

export function drawLetter(doc: Doc, meta: ExportMeta): void {
  doc.addPage();
  doc
    .font(FONT.bold)
    .fontSize(20)
    .fillColor(COLOR.text)
    .text(meta.letterTitle, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  doc.font(FONT.regular).fontSize(11).fillColor(COLOR.muted).text(meta.recipient, { width: CONTENT_WIDTH });
  doc.moveDown(1.2);
  renderMarkdown(doc, meta.letterBody);
}

// ---------------------------------------------------------------------------
// The texts signed
// ---------------------------------------------------------------------------

/**
 * Every version of the letter's text that signatures in the pack are under, each with its number,
 * date and how many of the pack's signatures it holds: an official can read exactly what each
 * signer agreed to (the table's "text signed" column names the version).
 */
export function drawSignedTexts(doc: Doc, meta: ExportMeta, labels: PackLabels): void {
  const texts = meta.textVersions ?? [];
  if (!texts.length) return;
  doc.addPage();
  doc
    .font(FONT.bold)
    .fontSize(16)
    .fillColor(COLOR.text)
    .text(labels.signedTexts, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
  for (const [i, v] of texts.entries()) {
    if (i > 0) doc.addPage();
    else doc.moveDown(1);
    const date = new Intl.DateTimeFormat(labels.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(v.publishedAt);
    doc.font(FONT.regular).fontSize(10).fillColor(COLOR.muted);
    doc.text(
      labels.signedTextLine({
        language: v.language,
        version: v.version,
        date,
        count: v.signatures,
        current: v.current,
      }),
      { width: CONTENT_WIDTH },
    );
    doc.moveDown(0.5);
    doc.font(FONT.bold).fontSize(14).fillColor(COLOR.text).text(v.title, { width: CONTENT_WIDTH });
    doc.moveDown(0.8);
    renderMarkdown(doc, v.body);
  }
}

// ---------------------------------------------------------------------------
// Last page: what the organisers did
// ---------------------------------------------------------------------------

/** The summary of the letter's audit trail (already phrased, without personal data), on a page of its own. */
export function drawAuditSummary(doc: Doc, lines: readonly string[], labels: PackLabels, chainHead?: string): void {
  doc.addPage();
  doc
    .font(FONT.bold)
    .fontSize(16)
    .fillColor(COLOR.text)
    .text(labels.auditTitle, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
  doc.moveDown(0.4);
  doc
    .font(FONT.regular)
    .fontSize(9.5)
    .fillColor(COLOR.muted)
    .text(labels.auditIntro, { width: CONTENT_WIDTH, lineGap: 1 });
  doc.moveDown(1);
  doc.fontSize(10.5).fillColor(COLOR.text);
  if (!lines.length) {
    doc.text(labels.auditNone, { width: CONTENT_WIDTH });
  }
  const hang = 14; // a wrapped line starts under the text, not under the bullet
  for (const line of lines) {
    const y = doc.y;
    doc.text('•', MARGIN.left, y, { lineBreak: false });
    doc.text(line, MARGIN.left + hang, y, { width: CONTENT_WIDTH - hang, lineGap: 1 });
    doc.moveDown(0.35);
  }
  // The chain head: whoever holds the pack can check that the trail still ends in it.
  if (chainHead) {
    doc.moveDown(1);
    doc
      .font(FONT.regular)
      .fontSize(8.5)
      .fillColor(COLOR.muted)
      .text(chainHead, MARGIN.left, doc.y, { width: CONTENT_WIDTH, lineGap: 1 });
  }
}

// ---------------------------------------------------------------------------
// Footer on every page
// ---------------------------------------------------------------------------

export function stampFooters(doc: Doc, meta: ExportMeta, labels: PackLabels): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit add a page; lift the margin while stamping.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    drawRule(doc, PAGE.height - MARGIN.bottom + 22);
    doc.font(FONT.regular).fontSize(8).fillColor(COLOR.muted);
    if (meta.footerText) {
      doc.text(meta.footerText, MARGIN.left, PAGE.height - MARGIN.bottom + 28, {
        width: CONTENT_WIDTH,
        align: 'center',
        height: 10,
        ellipsis: true,
        lineBreak: false,
      });
    }
    const pageLine = labels.pageLine(meta.exportId, i - range.start + 1, range.count);
    doc.text(pageLine, MARGIN.left, PAGE.height - MARGIN.bottom + (meta.footerText ? 40 : 30), {
      width: CONTENT_WIDTH,
      align: 'center',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
}

// ---------------------------------------------------------------------------
// Memory: compact finished pages
// ---------------------------------------------------------------------------

/** The pdfkit internals compactPage() touches, typed only as far as we read them. */
interface PageContentInternals {
  content?: { buffer?: unknown };
}

/**
 * pdfkit stores a page's content stream as one small Uint8Array per drawing
 * operator (~75 per table row) until the document ends. With bufferPages that
 * is ~18 KB of heap per signatory (measured: 20k rows → ~500 MB RSS). Merging
 * a finished page's chunks into a single buffer keeps the bytes identical and
 * cuts that overhead by an order of magnitude. Internals are duck-typed: an
 * unexpected shape just means no compaction, never a broken PDF.
 */
function compactPage(page: unknown): void {
  const content = (page as PageContentInternals).content;
  const chunks = content?.buffer;
  if (!content || !Array.isArray(chunks) || chunks.length < 2) return;
  if (!chunks.every((chunk): chunk is Uint8Array => chunk instanceof Uint8Array)) return;
  content.buffer = [Buffer.concat(chunks)];
}

function compactPagesAsTheyFill(doc: Doc): void {
  let current: unknown = doc.page;
  doc.on('pageAdded', () => {
    compactPage(current);
    current = doc.page;
  });
}

// ---------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------

/** pdfkit is loaded on the first PDF, not at start: ~14 MB that other processes and files never need. */
export async function createDocument(meta: ExportMeta): Promise<Doc> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: MARGIN,
    bufferPages: true, // needed for "page N of M"; see the memory note in pdf.writer.ts
    autoFirstPage: true,
    lang: meta.language,
    displayTitle: true,
    info: {
      Title: meta.letterTitle,
      Subject: `To: ${meta.recipient}`,
      Author: 'Undersigned',
      Creator: 'Undersigned',
      Producer: 'Undersigned',
      CreationDate: meta.generatedAt, // deterministic metadata for identical inputs
      Keywords: `export ${meta.exportId}`,
    },
  });
  registerFonts(doc);
  compactPagesAsTheyFill(doc);
  return doc;
}
