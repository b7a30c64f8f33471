import MarkdownIt from 'markdown-it';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// A bare web address, up to white space or a character that cannot be in one unescaped.
const BARE_URL = /https?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the address ("see https://x.org/a.").
const TRAILING = /[.,;:!?)\]}'"»”’]+$/;

function linkBareUrls(line: string): string {
  let out = '';
  let at = 0;
  for (const m of line.matchAll(BARE_URL)) {
    const url = m[0].replace(TRAILING, '');
    const start = m.index;
    out += escapeHtml(line.slice(at, start));
    out += `<a href="${escapeHtml(url)}" rel="nofollow noopener">${escapeHtml(url)}</a>`;
    at = start + url.length;
  }
  return out + escapeHtml(line.slice(at));
}

/**
 * Text from outside the team (a response posted through a recipient link) as HTML: paragraphs at
 * blank lines, line breaks kept, bare web addresses as links, and nothing else. No Markdown and no
 * HTML, so it can hold no image, no disguised link and no markup, on the page or in an email.
 */
export function renderPlainText(source: string): string {
  return source
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.split('\n').map(linkBareUrls).join('<br>\n')}</p>\n`)
    .join('');
}

// As the pages' Markdown (raw HTML off, links validated), but an image is never an image: a mail
// client would fetch it from its host as the message is opened, telling that host who read it and when.
const emailMarkdown = new MarkdownIt({ html: false, linkify: true, typographer: true });
emailMarkdown.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const src = String(token.attrGet('src') ?? '');
  const text = String(self.renderInlineAsText(token.children ?? [], options, env) || src);
  // Inside a link already ([![alt](img)](href)): its text only, since links do not nest.
  let depth = 0;
  for (let i = 0; i < idx; i++) depth += tokens[i].type === 'link_open' ? 1 : tokens[i].type === 'link_close' ? -1 : 0;
  return depth > 0 || !src ? escapeHtml(text) : `<a href="${escapeHtml(src)}">${escapeHtml(text)}</a>`;
};

/** Markdown for an email: as on the pages, with every image turned into a link bearing its text. */
export function renderEmailMarkdown(source: string): string {
  return emailMarkdown.render(source);
}
