import { renderEmailMarkdown, renderPlainText } from '../../../../src/core/letters/rendering';

describe('Markdown for an email', () => {
  test('never makes an image: each becomes a link bearing its text; raw HTML stays text', () => {
    const html = renderEmailMarkdown(
      [
        '![tracking pixel](https://evil.example/t.png)',
        '![](https://evil.example/no-alt.png)',
        '[![inside a link](https://evil.example/in.png)](https://example.org/page)',
        '![ref][img]',
        '<img src="https://evil.example/raw.png"> <picture><source srcset="https://evil.example/s.png"></picture>',
        '',
        '[img]: https://evil.example/ref.png',
      ].join('\n\n'),
    );
    expect(html).not.toMatch(/<img\b|<picture|<source/i);
    expect(html).toContain('<a href="https://evil.example/t.png">tracking pixel</a>');
    expect(html).toContain('<a href="https://evil.example/no-alt.png">https://evil.example/no-alt.png</a>');
    expect(html).toContain('<a href="https://example.org/page">inside a link</a>');
    expect(html).toContain('<a href="https://evil.example/ref.png">ref</a>');
    expect(html).toContain('&lt;img src=');
  });

  test('keeps the rest of Markdown as the pages render it', () => {
    expect(renderEmailMarkdown('We ask for **justice**: [read](https://example.org).')).toBe(
      '<p>We ask for <strong>justice</strong>: <a href="https://example.org">read</a>.</p>\n',
    );
  });
});

describe('plain text from outside the team', () => {
  test('is paragraphs and line breaks with bare web links, and nothing else', () => {
    const html = renderPlainText(
      'The ministry will **review** it.\r\nSee https://example.org/answer.\n\n\n![i](https://evil.example/t.png) <img src=x onerror=alert(1)> [x](javascript:alert(1))',
    );
    expect(html).toBe(
      '<p>The ministry will **review** it.<br>\nSee <a href="https://example.org/answer" rel="nofollow noopener">https://example.org/answer</a>.</p>\n' +
        '<p>![i](<a href="https://evil.example/t.png" rel="nofollow noopener">https://evil.example/t.png</a>) &lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</p>\n',
    );
  });

  test('escapes what would be markup in an address, and makes nothing of blank text', () => {
    expect(renderPlainText('https://example.org/?a=1&b="2"')).toBe(
      '<p><a href="https://example.org/?a=1&amp;b=" rel="nofollow noopener">https://example.org/?a=1&amp;b=</a>&quot;2&quot;</p>\n',
    );
    expect(renderPlainText(' \n \n ')).toBe('');
  });
});
