/**
 * PDF "delivery pack" handed to the letter's recipient: cover page, the letter
 * text, then the table of signatories, with a footer on every page.
 *
 * - Fonts: DejaVu Sans (regular, bold, oblique, mono) embedded as subsets, so
 *   Latin, Cyrillic and Kazakh letters (ә ғ қ ң ө ұ ү һ і) render and remain
 *   selectable/extractable (pdfkit writes a ToUnicode map for embedded fonts).
 * - Privacy: the e-mail column is NEVER rendered, whatever `meta.columns` says.
 * - Labels on the cover and translated values (signed as / source) come from
 *   small built-in sets for en, fr, uk, ru; any other language falls back to
 *   English, and dates/numbers are then formatted in English too so the cover
 *   never mixes languages. Table headers are `meta.labels` (already translated).
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
 * Output is deterministic: the same rows and meta give byte-identical files
 * (CreationDate comes from `meta.generatedAt`), so a recorded SHA-256 can be
 * re-verified by re-rendering.
 */
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import MarkdownIt from 'markdown-it';
import PDFDocument from 'pdfkit';
import { humanCellText } from '../cell-text';
import { ExportColumn, ExportMeta, ExportRow, ExportWriter } from '../export-row';
import { OutputGuard } from '../stream-helpers';

type Doc = PDFKit.PDFDocument;
type Token = MarkdownIt.Token;

// ---------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------

const FONT = { regular: 'DejaVu', bold: 'DejaVu-Bold', italic: 'DejaVu-Oblique', boldItalic: 'DejaVu-BoldOblique', mono: 'DejaVu-Mono' } as const;
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
// Built-in labels (cover page and translated cell values)
// ---------------------------------------------------------------------------

interface PackLabels {
  locale: string;
  openLetter: string;
  to: string;
  generated: string;
  verifiedSignatures: string;
  signatories: string;
  noSignatures: string;
  individual: string;
  organisation: string;
  online: string;
  paper: string;
  /** Footer line: export id, page number, page count. */
  pageLine: (exportId: string, page: number, pages: number) => string;
}

const LABELS: Record<string, PackLabels> = {
  en: {
    locale: 'en',
    openLetter: 'Open letter',
    to: 'To:',
    generated: 'Generated:',
    verifiedSignatures: 'Verified signatures',
    signatories: 'Signatories',
    noSignatures: 'No signatures.',
    individual: 'Individual',
    organisation: 'Organisation',
    online: 'Online',
    paper: 'Paper',
    pageLine: (id, n, m) => `Export ${id} · page ${n} of ${m}`,
  },
  fr: {
    locale: 'fr',
    openLetter: 'Lettre ouverte',
    to: 'À\u00a0:',
    generated: 'Généré le\u00a0:',
    verifiedSignatures: 'Signatures vérifiées',
    signatories: 'Signataires',
    noSignatures: 'Aucune signature.',
    individual: 'Particulier',
    organisation: 'Organisation',
    online: 'En ligne',
    paper: 'Papier',
    pageLine: (id, n, m) => `Export ${id} · page ${n} sur ${m}`,
  },
  uk: {
    locale: 'uk',
    openLetter: 'Відкритий лист',
    to: 'Кому:',
    generated: 'Згенеровано:',
    verifiedSignatures: 'Підтверджені підписи',
    signatories: 'Підписанти',
    noSignatures: 'Підписів немає.',
    individual: 'Особисто',
    organisation: 'Організація',
    online: 'Онлайн',
    paper: 'Паперовий',
    pageLine: (id, n, m) => `Експорт ${id} · сторінка ${n} з ${m}`,
  },
  ru: {
    locale: 'ru',
    openLetter: 'Открытое письмо',
    to: 'Кому:',
    generated: 'Сформировано:',
    verifiedSignatures: 'Подтверждённые подписи',
    signatories: 'Подписавшие',
    noSignatures: 'Подписей нет.',
    individual: 'Лично',
    organisation: 'Организация',
    online: 'Онлайн',
    paper: 'Бумажный',
    pageLine: (id, n, m) => `Экспорт ${id} · страница ${n} из ${m}`,
  },
};

/** 'uk-UA' → uk labels; unknown languages → English. */
export function packLabels(language: string): PackLabels {
  const base = language.toLowerCase().split(/[-_]/)[0];
  return LABELS[base] ?? LABELS.en;
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

const PAGE = { size: 'A4', width: 595.28, height: 841.89 } as const;
const MARGIN = { top: 56, bottom: 72, left: 50, right: 50 } as const;
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const COLOR = { text: '#1a1a1a', muted: '#666666', rule: '#c8c8c8', headerFill: '#2f3b4c', headerText: '#ffffff', zebra: '#f1f3f6' } as const;

const TABLE = { fontSize: 8.5, padX: 4, padY: 3.5, lineGap: 0.5, maxLinesPerCell: 4 } as const;

type PdfColumn = Exclude<ExportColumn, 'email'>;

/**
 * Free-text columns share the width left over by the fixed columns, in these
 * proportions.
 */
const FLEX_WEIGHTS: Partial<Record<PdfColumn, number>> = { name: 3.4, country: 1.8, city: 1.8, organisation: 3 };

interface TableColumn {
  key: PdfColumn;
  label: string;
  x: number;
  width: number;
}

/** Every value a fixed (enumerated/date) column can show, to size it so values never wrap. */
function fixedColumnSamples(key: PdfColumn, labels: PackLabels): string[] | null {
  switch (key) {
    case 'signedAt':
      return ['0000-00-00'];
    case 'signedAs':
      return [labels.individual, labels.organisation];
    case 'source':
      return [labels.online, labels.paper];
    default:
      return null;
  }
}

/** Width needed so none of the samples wraps and no header word is split. */
function fixedColumnWidth(doc: Doc, samples: string[], header: string): number {
  doc.font(FONT.regular).fontSize(TABLE.fontSize);
  const values = Math.max(...samples.map((text) => doc.widthOfString(text)));
  doc.font(FONT.bold);
  const headerWords = Math.max(...header.split(/\s+/).map((word) => doc.widthOfString(word)));
  return Math.ceil(Math.max(values, headerWords)) + 2 * TABLE.padX + 1;
}

/** Narrowest a free-text column may get before the whole table is scaled down instead. */
const MIN_FLEX_WIDTH = 60;

/**
 * Columns shown in the PDF: `meta.columns` minus e-mail (never printed); if
 * that leaves nothing, the name column. Fixed columns get exactly the width
 * their values need, free-text columns share the rest by weight, and if that
 * does not add up to the content width everything is scaled to fit.
 */
function tableColumns(doc: Doc, meta: ExportMeta, labels: PackLabels): TableColumn[] {
  const printable = meta.columns.filter((c): c is PdfColumn => c !== 'email');
  // A delivery pack without a single printable column would be an empty table: show names then.
  const keys: PdfColumn[] = printable.length > 0 ? printable : ['name'];
  const widths = new Map<PdfColumn, number>();
  for (const key of keys) {
    const samples = fixedColumnSamples(key, labels);
    if (samples) widths.set(key, fixedColumnWidth(doc, samples, meta.labels[key]));
  }
  const fixedTotal = [...widths.values()].reduce((sum, w) => sum + w, 0);
  const flexKeys = keys.filter((key) => !widths.has(key));
  const weightTotal = flexKeys.reduce((sum, key) => sum + (FLEX_WEIGHTS[key] ?? 1), 0);
  const flexSpace = Math.max(CONTENT_WIDTH - fixedTotal, MIN_FLEX_WIDTH * flexKeys.length);
  for (const key of flexKeys) widths.set(key, (flexSpace * (FLEX_WEIGHTS[key] ?? 1)) / weightTotal);
  const total = [...widths.values()].reduce((sum, w) => sum + w, 0);
  const scale = CONTENT_WIDTH / total; // 1 in the usual case

  let x: number = MARGIN.left;
  return keys.map((key) => {
    const width = (widths.get(key) ?? 0) * scale;
    const column = { key, label: meta.labels[key], x, width };
    x += width;
    return column;
  });
}

function pdfCellText(row: ExportRow, column: PdfColumn, labels: PackLabels): string {
  switch (column) {
    case 'signedAt':
      return row.signedAt.toISOString().slice(0, 10);
    case 'signedAs':
      return row.signedAs === 'organisation' ? labels.organisation : labels.individual;
    case 'source':
      return row.source === 'paper' ? labels.paper : labels.online;
    default:
      return humanCellText(row, column);
  }
}

// ---------------------------------------------------------------------------
// Cover page
// ---------------------------------------------------------------------------

function formatGeneratedAt(date: Date, locale: string): string {
  const formatted = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(date);
  return `${formatted} UTC`;
}

function drawRule(doc: Doc, y: number): void {
  doc.save().moveTo(MARGIN.left, y).lineTo(PAGE.width - MARGIN.right, y).lineWidth(0.75).strokeColor(COLOR.rule).stroke().restore();
}

function drawCover(doc: Doc, meta: ExportMeta, labels: PackLabels): void {
  doc.font(FONT.regular).fontSize(11).fillColor(COLOR.muted);
  doc.text(labels.openLetter.toUpperCase(), MARGIN.left, 150, { width: CONTENT_WIDTH, characterSpacing: 1.5 });
  doc.moveDown(0.8);
  doc.font(FONT.bold).fontSize(26).fillColor(COLOR.text).text(meta.letterTitle, { width: CONTENT_WIDTH, lineGap: 2 });
  doc.moveDown(0.9);
  doc.font(FONT.regular).fontSize(13).fillColor(COLOR.text).text(`${labels.to} ${meta.recipient}`, { width: CONTENT_WIDTH });
  doc.moveDown(1.5);
  drawRule(doc, doc.y);
  doc.moveDown(1.5);

  const count = new Intl.NumberFormat(labels.locale).format(meta.verifiedCount);
  doc.font(FONT.bold).fontSize(40).fillColor(COLOR.text).text(count, { width: CONTENT_WIDTH });
  doc.font(FONT.regular).fontSize(12).fillColor(COLOR.muted).text(labels.verifiedSignatures, { width: CONTENT_WIDTH });
  doc.moveDown(2);
  doc.fontSize(10).text(`${labels.generated} ${formatGeneratedAt(meta.generatedAt, labels.locale)}`, { width: CONTENT_WIDTH });
}

// ---------------------------------------------------------------------------
// Letter text: a deliberately small Markdown renderer (markdown-it tokens →
// pdfkit). Paragraphs, headings, bullet/numbered lists, block quotes, code and
// rules; bold/italic are kept, links keep their text, images their alt text.
// Single newlines are rendered as line breaks (markdown-it `breaks: true`
// semantics): letters are typed in a plain textarea, and a newline in an
// address block or "Respectfully,\nThe signatories" is meant as a break.
// ---------------------------------------------------------------------------

interface Span {
  text: string;
  bold: boolean;
  italic: boolean;
  code: boolean;
}

interface BlockStyle {
  fontSize: number;
  indent: number;
  color: string;
  bold: boolean;
}

const BODY_STYLE: BlockStyle = { fontSize: 11, indent: 0, color: COLOR.text, bold: false };
const HEADING_SIZES: Record<string, number> = { h1: 18, h2: 15, h3: 13, h4: 12, h5: 11, h6: 11 };
const LIST_INDENT = 16;

function fontFor(span: Span, forceBold: boolean): string {
  if (span.code) return FONT.mono;
  const bold = span.bold || forceBold;
  if (bold && span.italic) return FONT.boldItalic;
  if (bold) return FONT.bold;
  return span.italic ? FONT.italic : FONT.regular;
}

/** Flattens an inline token's children into styled spans. */
function inlineSpans(token: Token): Span[] {
  const spans: Span[] = [];
  let bold = 0;
  let italic = 0;
  const push = (text: string, code = false): void => {
    if (text) spans.push({ text, bold: bold > 0, italic: italic > 0, code });
  };
  for (const child of token.children ?? []) {
    switch (child.type) {
      case 'strong_open':
        bold++;
        break;
      case 'strong_close':
        bold--;
        break;
      case 'em_open':
        italic++;
        break;
      case 'em_close':
        italic--;
        break;
      case 'softbreak': // a line break, see the section note
      case 'hardbreak':
        push('\n');
        break;
      case 'code_inline':
        push(child.content, true);
        break;
      case 'image':
        push(child.content);
        break;
      default:
        push(child.content); // text, html_inline (shown literally: html is disabled)
    }
  }
  return mergeSpans(spans);
}

/**
 * Joins neighbouring spans of the same style. Besides saving text() calls this
 * matters for line breaks: pdfkit ignores a "\n" that is a `continued` span on
 * its own, but honours it inside a span's text.
 */
function mergeSpans(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && last.bold === span.bold && last.italic === span.italic && last.code === span.code) last.text += span.text;
    else merged.push({ ...span });
  }
  return merged;
}

/**
 * Writes styled spans as one flowing paragraph. pdfkit chains spans with
 * `continued`; the first call fixes position and width for the whole block.
 */
function writeSpans(doc: Doc, spans: Span[], style: BlockStyle, prefix?: string): void {
  const x = MARGIN.left + style.indent;
  const width = CONTENT_WIDTH - style.indent;
  if (prefix) drawListMarker(doc, prefix, x, style);
  const parts = spans.length > 0 ? spans : [{ text: ' ', bold: false, italic: false, code: false }];
  doc.fontSize(style.fontSize).fillColor(style.color);
  parts.forEach((span, i) => {
    const last = i === parts.length - 1;
    doc.font(fontFor(span, style.bold));
    if (i === 0) doc.text(span.text, x, doc.y, { width, continued: !last, lineGap: 2 });
    else doc.text(span.text, { continued: !last });
  });
}

/** Bullet or number hanging to the left of a list item's first line. */
function drawListMarker(doc: Doc, marker: string, x: number, style: BlockStyle): void {
  // Start a new page first if the item's first line would not fit, so the marker
  // does not end up alone at the bottom of the previous page.
  if (doc.y + style.fontSize * 1.4 > PAGE.height - MARGIN.bottom) doc.addPage();
  const y = doc.y;
  doc.font(FONT.regular).fontSize(style.fontSize).fillColor(style.color);
  doc.text(marker, x - LIST_INDENT, y, { width: LIST_INDENT - 4, align: 'right', lineBreak: false });
  doc.y = y; // text() advanced the cursor; the item's own text starts on the same line
}

interface ListState {
  ordered: boolean;
  next: number;
}

/** Walks the block tokens and renders them in document order. */
function renderMarkdown(doc: Doc, markdown: string): void {
  const tokens = new MarkdownIt({ html: false, linkify: false, typographer: false }).parse(markdown, {});
  const lists: ListState[] = [];
  let quoteDepth = 0;
  let pendingMarker: string | undefined;
  let heading: string | null = null;
  let tableRow: string[] | null = null;

  const blockStyle = (): BlockStyle => ({
    ...BODY_STYLE,
    indent: lists.length * LIST_INDENT + quoteDepth * LIST_INDENT,
    color: quoteDepth > 0 ? COLOR.muted : COLOR.text,
    fontSize: heading ? HEADING_SIZES[heading] : BODY_STYLE.fontSize,
    bold: heading !== null,
  });

  for (const token of tokens) {
    switch (token.type) {
      case 'heading_open':
        heading = token.tag;
        doc.moveDown(0.6);
        break;
      case 'heading_close':
        heading = null;
        doc.moveDown(0.3);
        break;
      case 'paragraph_close':
        if (!token.hidden) doc.moveDown(0.6);
        else doc.moveDown(0.15); // tight list item
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        lists.push({ ordered: token.type === 'ordered_list_open', next: Number(token.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        if (lists.length === 0) doc.moveDown(0.45);
        break;
      case 'list_item_open': {
        const list = lists[lists.length - 1];
        pendingMarker = list.ordered ? `${list.next++}.` : '•';
        break;
      }
      case 'blockquote_open':
        quoteDepth++;
        break;
      case 'blockquote_close':
        quoteDepth--;
        break;
      case 'inline':
        if (tableRow) tableRow.push(inlineSpans(token).map((s) => s.text).join(''));
        else writeSpans(doc, inlineSpans(token), blockStyle(), pendingMarker);
        pendingMarker = undefined;
        break;
      case 'fence':
      case 'code_block':
        writeSpans(doc, [{ text: token.content.replace(/\n$/, ''), bold: false, italic: false, code: true }], { ...blockStyle(), fontSize: 9.5 });
        doc.moveDown(0.6);
        break;
      case 'hr':
        doc.moveDown(0.4);
        if (doc.y > PAGE.height - MARGIN.bottom - 20) doc.addPage(); // never draw into the footer area
        drawRule(doc, doc.y);
        doc.moveDown(0.8);
        break;
      case 'tr_open':
        tableRow = [];
        break;
      case 'tr_close':
        // Markdown tables are rare in letters: render each row as a " | "-joined line.
        writeSpans(doc, [{ text: (tableRow ?? []).join('  |  '), bold: false, italic: false, code: false }], blockStyle());
        doc.moveDown(0.15);
        tableRow = null;
        break;
      case 'table_close':
        doc.moveDown(0.6);
        break;
      default:
        break; // paragraph_open, list_item_close, thead/tbody, html_block (disabled)
    }
  }
}

function drawLetter(doc: Doc, meta: ExportMeta): void {
  doc.addPage();
  doc.font(FONT.bold).fontSize(20).fillColor(COLOR.text).text(meta.letterTitle, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  doc.font(FONT.regular).fontSize(11).fillColor(COLOR.muted).text(meta.recipient, { width: CONTENT_WIDTH });
  doc.moveDown(1.2);
  renderMarkdown(doc, meta.letterBody);
}

// ---------------------------------------------------------------------------
// Signatories table
// ---------------------------------------------------------------------------

const TABLE_BOTTOM = PAGE.height - MARGIN.bottom;

class SignatoryTable {
  private y: number = MARGIN.top;
  private index = 0;
  private readonly lineHeight: number;
  private readonly maxCellTextHeight: number;

  constructor(
    private readonly doc: Doc,
    private readonly columns: TableColumn[],
    private readonly labels: PackLabels,
  ) {
    doc.font(FONT.regular).fontSize(TABLE.fontSize);
    this.lineHeight = doc.currentLineHeight(true) + TABLE.lineGap;
    this.maxCellTextHeight = this.lineHeight * TABLE.maxLinesPerCell;
  }

  /** New page with the section title, then the header row. */
  start(title: string): void {
    this.doc.addPage();
    this.doc.font(FONT.bold).fontSize(16).fillColor(COLOR.text).text(title, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
    this.y = this.doc.y + 10;
    this.drawHeader();
  }

  addRow(row: ExportRow): void {
    const texts = this.columns.map((column) => pdfCellText(row, column.key, this.labels));
    const height = this.rowHeight(texts, FONT.regular);
    if (this.y + height > TABLE_BOTTOM) this.continueOnNewPage();
    if (this.index % 2 === 1) this.fillRow(height, COLOR.zebra);
    this.drawCells(texts, height, FONT.regular, COLOR.text);
    this.y += height;
    this.index++;
  }

  finish(): void {
    if (this.index > 0) return;
    this.doc.font(FONT.regular).fontSize(10).fillColor(COLOR.muted).text(this.labels.noSignatures, MARGIN.left, this.y + 8, { width: CONTENT_WIDTH });
  }

  private continueOnNewPage(): void {
    this.doc.addPage();
    this.y = MARGIN.top;
    this.drawHeader(); // repeated on every page so each page reads on its own
  }

  private drawHeader(): void {
    const texts = this.columns.map((column) => column.label);
    const height = this.rowHeight(texts, FONT.bold);
    this.fillRow(height, COLOR.headerFill);
    this.drawCells(texts, height, FONT.bold, COLOR.headerText);
    this.y += height;
  }

  private fillRow(height: number, color: string): void {
    this.doc.save().rect(MARGIN.left, this.y, CONTENT_WIDTH, height).fillColor(color).fill().restore();
  }

  /** Tallest cell decides; measuring is skipped for the common single-line cell. */
  private rowHeight(texts: string[], font: string): number {
    this.doc.font(font).fontSize(TABLE.fontSize);
    let tallest = this.lineHeight;
    texts.forEach((text, i) => {
      const width = this.columns[i].width - 2 * TABLE.padX;
      if (this.doc.widthOfString(text) <= width && !text.includes('\n')) return;
      const h = this.doc.heightOfString(text, { width, lineGap: TABLE.lineGap });
      tallest = Math.max(tallest, Math.min(h, this.maxCellTextHeight));
    });
    return tallest + 2 * TABLE.padY;
  }

  private drawCells(texts: string[], rowHeight: number, font: string, color: string): void {
    this.doc.font(font).fontSize(TABLE.fontSize).fillColor(color);
    texts.forEach((text, i) => {
      const column = this.columns[i];
      this.doc.text(text, column.x + TABLE.padX, this.y + TABLE.padY, {
        width: column.width - 2 * TABLE.padX,
        height: rowHeight - 2 * TABLE.padY, // overlong cells are cut with an ellipsis
        ellipsis: true,
        lineGap: TABLE.lineGap,
      });
    });
  }
}

// ---------------------------------------------------------------------------
// Footer on every page
// ---------------------------------------------------------------------------

function stampFooters(doc: Doc, meta: ExportMeta, labels: PackLabels): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit add a page; lift the margin while stamping.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    drawRule(doc, PAGE.height - MARGIN.bottom + 22);
    doc.font(FONT.regular).fontSize(8).fillColor(COLOR.muted);
    if (meta.footerText) {
      doc.text(meta.footerText, MARGIN.left, PAGE.height - MARGIN.bottom + 28, { width: CONTENT_WIDTH, align: 'center', height: 10, ellipsis: true, lineBreak: false });
    }
    const pageLine = labels.pageLine(meta.exportId, i - range.start + 1, range.count);
    doc.text(pageLine, MARGIN.left, PAGE.height - MARGIN.bottom + (meta.footerText ? 40 : 30), { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
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
// Writer
// ---------------------------------------------------------------------------

function createDocument(meta: ExportMeta): Doc {
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: MARGIN,
    bufferPages: true, // needed for "page N of M"; see the memory note at the top
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
    const doc = createDocument(meta);
    doc.pipe(out);
    drawCover(doc, meta, labels);
    drawLetter(doc, meta);

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
    stampFooters(doc, meta, labels);

    guard.expectEnd();
    doc.end(); // flushes the buffered pages; the pipe then ends `out`
    await guard.finished();
    return { rowCount };
  } finally {
    guard.release();
  }
};
