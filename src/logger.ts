import pino from 'pino';

export type Logger = pino.Logger;

/** Tokens travel in URL paths; anything that looks like one is cut before it is logged. */
export function scrubUrl(url: string): string {
  return url.replace(/[A-Za-z0-9_-]{32,}/g, '[token]').replace(/\?.*$/, (q) => (q.length > 1 ? '?[query]' : q));
}

/** `destination` defaults to stdout; tests pass a stream to read what would be logged. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Belt and braces: personal data never belongs in a log line, but if a field slips in
    // under one of these names, the logger itself blanks it.
    redact: {
      paths: ['email', '*.email', 'to', '*.to', 'token', '*.token', 'ip', '*.ip', 'fullName', '*.fullName', 'req.headers.cookie', 'req.remoteAddress'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
