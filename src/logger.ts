import pino from 'pino';
import { isSlug } from './letters/slug';

export type Logger = pino.Logger;

/** Replaces anything shaped like an email address, for error messages that quote one. */
export function scrubEmails(text: string): string {
  return text.replace(/[^\s<>"'@]+@[^\s<>"'@]+\.[^\s<>"'@]+/g, '[email]');
}

/**
 * Tokens travel in URL paths; any long path segment that is not a lower-case slug is cut
 * before it is logged, and so is every query string (it may carry an address).
 */
export function scrubUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const scrubbed = path
    .split('/')
    .map((segment) => (segment.length >= 32 && !isSlug(segment) ? '[token]' : segment))
    .join('/');
  return query === undefined ? scrubbed : `${scrubbed}?[query]`;
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
