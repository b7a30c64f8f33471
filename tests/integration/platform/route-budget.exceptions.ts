/**
 * The public routes that may cost more than the route budget (route-budget.test.ts), each with
 * why and with the limit it is held to instead. The list is short on purpose: a public request
 * must cost little whatever a stranger sends (docs/architecture.md, "Cost and fan-out"). A new
 * entry needs a reason a reviewer can check; "it was slow" is not one.
 *
 * It lives beside the test, not in src/: only the test reads it, and a change to it shows up in
 * review as a change to the budget. The test fails on an entry whose route no longer exists, and
 * prints the entries that fitted the budget in its run, so the list is reviewed as routes change.
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
    route: 'GET /letters/:slug/qr.png',
    reason:
      'A QR code is drawn once per letter, language and size (256, 512 or 1024 pixels; any other asked size is served the nearest), then served from memory with an ETag, ' +
      'whatever else the query says: a stranger can cause three drawings per language of a letter, not one per request. The limit is for one 1024-pixel drawing.',
    cpuMs: 300,
    heapMb: 16,
  },
  {
    route: 'GET /letters/:slug/responses/:id/attachment.pdf',
    reason:
      "A published response's document (at most 10 MB) streams from its large object 64 KB at a time, as fast as the reader takes it, so memory stays flat, but CPU grows with the file " +
      '(node-postgres moves bytea as hex text: 30-40 ms a MB on a 2-vCPU Xeon). Its SHA-256 is a strong ETag and it is public and immutable for a day, so a cache in front answers repeats, and 304 costs nothing. ' +
      'The heap figure counts what the answer allocated whether or not it was collected meanwhile: for each chunk, the hex text (two bytes a byte) and the buffer decoded from it, ' +
      'about 3.5 bytes a byte of a 10 MB file at most; measured from -6 to 35 MB in the runs of 7 December 2026, depending on when a collection falls, none of it held.',
    cpuMs: 800,
    heapMb: 48,
  },
  {
    route: 'GET /r/:token',
    reason:
      "The addressee's page, for the one holder of a 256-bit link: the letter as delivered, two charts and the list as delivered (up to PAGE_LIST_LIMIT, 2,000 names), " +
      'rendered per request because it records each view and names private signers (never cached). Bounded by the list limit, not by the letter.',
    cpuMs: 200,
    heapMb: 32,
  },
  {
    route: 'GET /r/:token/delivery-pack.pdf',
    reason:
      "The addressee's download of the delivery pack is an export of the letter as delivered, recorded with its digest; past the PDF's row limit it is refused (422) after counting the rows. " +
      'Only the holder of a 256-bit link can ask, at most RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR (20) times an hour per link (then 429), and it streams, so memory stays flat.',
    cpuMs: 300,
    heapMb: 32,
  },
  {
    route: 'GET /r/:token/signatures.csv',
    reason:
      "The addressee's download of the list as delivered: an export of every verified row (100,000 here), streamed by PostgreSQL's COPY and recorded with its digest, so its CPU grows with the list " +
      'while its memory stays flat. Only the holder of a 256-bit link can ask, at most RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR (20) times an hour per link (then 429).',
    cpuMs: 1000,
    heapMb: 64,
  },
];
