/**
 * html-validate over the pages as the app renders them (tests/pages/rendered-pages.test.ts, run
 * by `npm test`, alone by `npm run lint:pages`): the "recommended" preset, with one rule off and
 * one rule tuned.
 */
module.exports = {
  root: true,
  extends: ['html-validate:recommended'],
  rules: {
    // Off: it is about hand-written source. Rendered EJS keeps the indentation of the template's
    // tags on otherwise empty lines; no browser, crawler or screen reader sees it, and trimming
    // it would make every template harder to read.
    'no-trailing-whitespace': 'off',
    // Tuned: a group of checkboxes sharing one name is how a multiple choice is posted
    // (columns=name&columns=country on the export form). The preset allows it for radio buttons
    // only; checkboxes join them. Any other repeated name is still an error.
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
  },
};
