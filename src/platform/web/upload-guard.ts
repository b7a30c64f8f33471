import type { RequestHandler } from 'express';
import type { AppError } from './errors';

/**
 * Refuses a multipart upload on what its request line and headers say, before one byte of its
 * body is read: a body declared larger than the route takes, a missing or wrong CSRF token, and
 * whatever `checks` refuse (who may upload here, a byte budget). The token cannot come from a
 * field of a body not yet read, so a form that uploads carries it in its action URL (`?_csrf=`)
 * and a scripted client sends it in the X-CSRF-Token header.
 *
 * A refusal closes the connection after the answer: Node would otherwise read the rest of the
 * body (to keep the connection alive) only to throw it away.
 */
export function refuseUploadBeforeReading(opts: {
  maxBodyBytes: number;
  tooLarge: () => AppError;
  csrf: RequestHandler;
  checks?: RequestHandler[];
}): RequestHandler {
  const steps: RequestHandler[] = [opts.csrf, ...(opts.checks ?? [])];
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    // Every answer given here (an error, or a step's own redirect) closes the connection.
    res.set('Connection', 'close');
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBodyBytes) return next(opts.tooLarge());
    const run = (i: number): void => {
      if (i === steps.length) {
        res.removeHeader('Connection');
        return next();
      }
      Promise.resolve(steps[i](req, res, (err?: unknown) => (err ? next(err) : run(i + 1)))).catch(next);
    };
    run(0);
  };
}
