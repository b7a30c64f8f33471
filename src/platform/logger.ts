import pino from 'pino';

export type Logger = pino.Logger;

/** Replaces anything shaped like an email address, for error messages that quote one. */
export function scrubEmails(text: string): string {
  return text.replace(/[^\s<>"'@]+@[^\s<>"'@]+\.[^\s<>"'@]+/g, '[email]');
}

/** Lower-case words joined by hyphens: the shape of a letter's slug (src/core/letters/slug.ts), kept in logs. */
const LOWER_CASE_WORDS = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Tokens travel in URL paths; any long path segment that is not a lower-case slug is cut
 * before it is logged, and so is every query string (it may carry an address).
 */
export function scrubUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const scrubbed = path
    .split('/')
    .map((segment) => (segment.length >= 32 && !LOWER_CASE_WORDS.test(segment) ? '[token]' : segment))
    .join('/');
  return query === undefined ? scrubbed : `${scrubbed}?[query]`;
}

// An identifier as PostgreSQL quotes one in a message: a relation, column, constraint or encoding.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$.]*$/;

/**
 * An error message as it may be logged: addresses replaced, and the values PostgreSQL quotes in
 * some messages ('invalid input syntax for type uuid: "…"', 'value "…" is out of range') cut.
 * Quoted identifiers (relation, column, constraint) stay: they say what failed.
 */
export function scrubErrorMessage(text: string): string {
  return scrubEmails(text)
    .replace(/(: |value )"(?:[^"]|"")*"/g, '$1"[value]"')
    .replace(/"((?:[^"]|"")*)"/g, (quoted, inner: string) =>
      IDENTIFIER.test(inner) || inner === '[value]' ? quoted : '"[value]"',
    );
}

export interface LoggedError {
  type: string;
  code?: string;
  message: string;
  stack?: string;
}

/**
 * What a log line keeps of an error: its class, its code and its (scrubbed) message, and where
 * it was thrown. Never the rest: a TypeORM QueryFailedError carries the SQL text, its parameters
 * (the signer's name and address) and the driver's `detail` ("Key (email)=(…) already exists").
 */
export function describeError(err: unknown): LoggedError {
  if (!err || typeof err !== 'object') return { type: typeof err, message: scrubErrorMessage(String(err)) };
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    stack?: unknown;
    driverError?: { code?: unknown };
  };
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  // An error's own name when it has one (QueryFailedError, TypeError); pg names every error "error".
  const type =
    typeof e.name === 'string' && e.name && e.name !== 'Error' && e.name !== 'error'
      ? e.name
      : typeof ctor === 'string' && ctor !== 'Object'
        ? ctor
        : 'Error';
  const rawCode = e.code ?? e.driverError?.code;
  const out: LoggedError = { type, message: scrubErrorMessage(typeof e.message === 'string' ? e.message : '') };
  if (typeof rawCode === 'string' || typeof rawCode === 'number') out.code = String(rawCode);
  // The frames only: the stack's first line repeats the message unscrubbed.
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  if (frames.length) out.stack = frames.map((l) => l.trim()).join('\n');
  return out;
}

/** `destination` defaults to stdout; tests pass a stream to read what would be logged. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Whatever is logged under `err` (an Error, a driver error, a string) goes through one scrubber.
    serializers: { err: describeError },
    // Belt and braces: personal data never belongs in a log line, but if a field slips in
    // under one of these names, the logger itself blanks it.
    redact: {
      paths: [
        'email',
        '*.email',
        'to',
        '*.to',
        'token',
        '*.token',
        'ip',
        '*.ip',
        'fullName',
        '*.fullName',
        'req.headers.cookie',
        'req.remoteAddress',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
