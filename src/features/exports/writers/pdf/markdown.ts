/**
 * Letter text: a deliberately small Markdown renderer (markdown-it tokens →
 * pdfkit). Paragraphs, headings, bullet/numbered lists, block quotes, code and
 * rules; bold/italic are kept, links keep their text, images their alt text.
 * Single newlines are rendered as line breaks (markdown-it `breaks: true`
 * semantics): letters are typed in a plain textarea, and a newline in an
 * address block or "Respectfully,\nThe signatories" is meant as a break.
 */
import MarkdownIt from 'markdown-it';
import { COLOR, CONTENT_WIDTH, type Doc, drawRule, FONT, MARGIN, PAGE } from './layout';

type Token = MarkdownIt.Token;

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
    if (last && last.bold === span.bold && last.italic === span.italic && last.code === span.code)
      last.text += span.text;
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
export function renderMarkdown(doc: Doc, markdown: string): void {
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
        if (tableRow)
          tableRow.push(
            inlineSpans(token)
              .map((s) => s.text)
              .join(''),
          );
        else writeSpans(doc, inlineSpans(token), blockStyle(), pendingMarker);
        pendingMarker = undefined;
        break;
      case 'fence':
      case 'code_block':
        writeSpans(doc, [{ text: token.content.replace(/\n$/, ''), bold: false, italic: false, code: true }], {
          ...blockStyle(),
          fontSize: 9.5,
        });
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
        writeSpans(
          doc,
          [{ text: (tableRow ?? []).join('  |  '), bold: false, italic: false, code: false }],
          blockStyle(),
        );
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
