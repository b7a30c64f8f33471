/**
 * Page geometry, fonts and colours of the delivery pack, shared by its document, its Markdown
 * renderer and its table.
 */
export type Doc = PDFKit.PDFDocument;

export const FONT = {
  regular: 'DejaVu',
  bold: 'DejaVu-Bold',
  italic: 'DejaVu-Oblique',
  boldItalic: 'DejaVu-BoldOblique',
  mono: 'DejaVu-Mono',
} as const;

export const PAGE = { size: 'A4', width: 595.28, height: 841.89 } as const;
export const MARGIN = { top: 56, bottom: 72, left: 50, right: 50 } as const;
export const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
export const COLOR = {
  text: '#1a1a1a',
  muted: '#666666',
  rule: '#c8c8c8',
  headerFill: '#2f3b4c',
  headerText: '#ffffff',
  zebra: '#f1f3f6',
} as const;

export function drawRule(doc: Doc, y: number): void {
  doc
    .save()
    .moveTo(MARGIN.left, y)
    .lineTo(PAGE.width - MARGIN.right, y)
    .lineWidth(0.75)
    .strokeColor(COLOR.rule)
    .stroke()
    .restore();
}
