import type http from 'node:http';
import type { Config } from '../config';

/**
 * How long a client may take over a request's headers and over the whole request
 * (HEADERS_TIMEOUT_SECONDS, REQUEST_TIMEOUT_SECONDS in config.ts, where the figures are reasoned).
 * Past either, Node answers 408 and closes the connection.
 */
export function applyServerTimeouts(
  server: http.Server,
  config: Pick<Config, 'HEADERS_TIMEOUT_SECONDS' | 'REQUEST_TIMEOUT_SECONDS'>,
): void {
  server.headersTimeout = config.HEADERS_TIMEOUT_SECONDS * 1000;
  server.requestTimeout = config.REQUEST_TIMEOUT_SECONDS * 1000;
}
