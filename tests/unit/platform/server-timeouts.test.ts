import http from 'node:http';
import { loadConfig } from '../../../src/platform/config';
import { applyServerTimeouts } from '../../../src/platform/web/server-timeouts';

describe('the server timeouts', () => {
  test('default to what a slow phone still passes: 20 s for the headers, 120 s for the whole request', () => {
    const config = loadConfig({});
    expect(config.HEADERS_TIMEOUT_SECONDS).toBe(20);
    expect(config.REQUEST_TIMEOUT_SECONDS).toBe(120);
    const server = http.createServer();
    applyServerTimeouts(server, config);
    expect(server.headersTimeout).toBe(20_000);
    expect(server.requestTimeout).toBe(120_000);
  });

  test('are set from the environment; the headers cannot take longer than the request', () => {
    const server = http.createServer();
    applyServerTimeouts(server, loadConfig({ HEADERS_TIMEOUT_SECONDS: '10', REQUEST_TIMEOUT_SECONDS: '300' }));
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(300_000);
    expect(() => loadConfig({ HEADERS_TIMEOUT_SECONDS: '200', REQUEST_TIMEOUT_SECONDS: '100' })).toThrow(
      /HEADERS_TIMEOUT_SECONDS/,
    );
  });
});
