/**
 * The public routes that may cost more than the route budget (route-budget.test.ts), each with
 * why and with the limit it is held to instead. The list is short on purpose: a public request
 * must cost little whatever a stranger sends (docs/architecture.md, "Cost and fan-out"). A new
 * entry needs a reason a reviewer can check; "it was slow" is not one.
 *
 * It lives beside the test, not in src/: only the test reads it, and a change to it shows up in
 * review as a change to the budget. The test fails on an entry whose route no longer exists or no
 * longer needs it, so the list cannot rot.
 *
 * `route` is the method and the path as mounted (`GET /letters/:slug/qr.png`); `cpuMs` and `heapMb`
 * replace the budget's figures for that route (every variant of its requests).
 */
export interface RouteBudgetException {
  route: string;
  reason: string;
  cpuMs: number;
  heapMb: number;
}

export const ROUTE_BUDGET_EXCEPTIONS: RouteBudgetException[] = [
  {
    route: 'GET /letters/:slug',
    reason:
      'The letter page renders the text (up to 100,000 characters of Markdown), the newest signers and the chart only when its micro-cache is cold: ' +
      'once per letter, interface language and asked version each LETTER_PAGE_CACHE_SECONDS, whatever the query string (at most 30 renders a second per letter). ' +
      'A request served from the cache costs a few ms; the limit is for the cold render.',
    cpuMs: 200,
    heapMb: 24,
  },
  {
    route: 'GET /letters/:slug/share.png',
    reason:
      'The share image is drawn (satori, resvg) once per letter, language and 1% step of the count, then served from memory (an LRU of 200 images): ' +
      'a stranger can cause one drawing per language of a letter, not one per request. The limit is for one drawing.',
    cpuMs: 300,
    heapMb: 16,
  },
  {
    route: 'GET /letters/:slug/versions/:n',
    reason:
      'An earlier version is rendered from Markdown (up to 100,000 characters) on each request, and the page reads the text of every version to list them. ' +
      'Not yet bounded: the heap is what one request allocates (about 10 MB at 20 versions), and it grows with the number of versions.',
    cpuMs: 150,
    heapMb: 24,
  },
  {
    route: 'GET /r/:token',
    reason:
      "The addressee's page, for the one holder of a 256-bit link: the letter as delivered, two charts and the list as delivered (up to PAGE_LIST_LIMIT, 2,000 names), " +
      'rendered per request because it records each view and names private signers (never cached). Bounded by the list limit, not by the letter.',
    cpuMs: 200,
    heapMb: 32,
  },
  // TEMPORARY: being fixed in the bounded-surfaces work (the public diff page). Remove once that is merged.
  {
    route: 'GET /letters/:slug/diff',
    reason: 'TEMPORARY, being fixed in the bounded-surfaces work: the word diff of two 100,000-character versions is computed on every request.',
    cpuMs: 1000,
    heapMb: 48,
  },
  // TEMPORARY: being fixed in the bounded-surfaces work (the QR PNG). Remove once that is merged.
  {
    route: 'GET /letters/:slug/qr.png',
    reason: 'TEMPORARY, being fixed in the bounded-surfaces work: a PNG of up to 1024 pixels is drawn and deflated on every request, ?size= chosen by the reader.',
    cpuMs: 1000,
    heapMb: 32,
  },
  // TEMPORARY: being fixed in the bounded-surfaces work (recipient responses). Remove once that is merged.
  {
    route: 'GET /letters/:slug/responses/:id/attachment.pdf',
    reason: 'TEMPORARY, being fixed in the bounded-surfaces work: the 10 MB attachment is read whole from the database (as hex) and held in memory on every download.',
    cpuMs: 1500,
    heapMb: 96,
  },
  // TEMPORARY: being fixed in the bounded-surfaces work (recipient-link downloads). Remove once that is merged.
  {
    route: 'GET /r/:token/delivery-pack.pdf',
    reason: 'TEMPORARY, being fixed in the bounded-surfaces work: each download reads the letter and its counts, then starts the PDF export (refused with 422 past the PDF size limit).',
    cpuMs: 300,
    heapMb: 32,
  },
  // TEMPORARY: being fixed in the bounded-surfaces work (recipient-link downloads). Remove once that is merged.
  {
    route: 'GET /r/:token/signatures.csv',
    reason: 'TEMPORARY, being fixed in the bounded-surfaces work: each download exports every signature (100,000 rows) again, on the request path.',
    cpuMs: 1000,
    heapMb: 64,
  },
];
