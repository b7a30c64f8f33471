/**
 * The table of signatories: columns sized to what they hold, rows drawn as they arrive, the
 * header repeated on every page, overlong cells cut with an ellipsis.
 */
import { humanCellText } from '../../cell-text';
import type { ExportColumn, ExportMeta, ExportRow } from '../../export-row';
import type { PackLabels } from './labels';
import { COLOR, CONTENT_WIDTH, type Doc, FONT, MARGIN, PAGE } from './layout';

const TABLE = { fontSize: 8.5, padX: 4, padY: 3.5, lineGap: 0.5, maxLinesPerCell: 4 } as const;

type PdfColumn = Exclude<ExportColumn, 'email'>;

/**
 * Free-text columns share the width left over by the fixed columns, in these
 * proportions.
 */
const FLEX_WEIGHTS: Partial<Record<PdfColumn, number>> = {
  name: 3.4,
  country: 1.8,
  city: 1.8,
  organisation: 3,
  occupation: 2.4,
};

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
    case 'textVersion':
      return ['en v000'];
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
export function tableColumns(doc: Doc, meta: ExportMeta, labels: PackLabels): TableColumn[] {
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

const TABLE_BOTTOM = PAGE.height - MARGIN.bottom;

export class SignatoryTable {
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
    this.doc
      .font(FONT.bold)
      .fontSize(16)
      .fillColor(COLOR.text)
      .text(title, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH });
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
    this.doc
      .font(FONT.regular)
      .fontSize(10)
      .fillColor(COLOR.muted)
      .text(this.labels.noSignatures, MARGIN.left, this.y + 8, { width: CONTENT_WIDTH });
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
