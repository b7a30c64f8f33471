import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { scrubUrl } from '../logger';

/**
 * The request log: one line per response, with the request's id, method and scrubbed path (tokens
 * cut, no query string), the status and the time taken; no IP, cookie, header or body. The lines
 * pino-http wrote (`request completed`, or `request errored` with the error for a 5xx or a broken
 * response), written by hand: pino-http made a child logger per request and serialized the
 * request into it before the response was known, 40 µs of every request (bench on 2 cores)
 * whether or not the level let the line out. Here nothing happens per request unless `info` is
 * enabled, and then only at the end. Static files are not logged.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (!log.isLevelEnabled('info') || req.url.startsWith('/static/')) return next();
    const started = Date.now();
    const url = req.originalUrl;
    const done = (err?: unknown) => {
      res.off('finish', done);
      res.off('close', done);
      res.off('error', done);
      const line = {
        req: { id: req.id, method: req.method, url: scrubUrl(url) },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - started,
      };
      const failed = err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : null);
      if (failed) log.info({ ...line, err: failed }, 'request errored');
      else log.info(line, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    res.on('error', done);
    next();
  };
}
