import type { Request, RequestHandler, Response } from 'express';

/** A route's handler as a named function of its own: what the router gives it, then the request. */
export type Handler<Deps> = (deps: Deps, req: Request, res: Response) => Promise<void> | void;

/**
 * Binds named handlers to what a router was given, so a router file reads as its routes:
 * `const on = handlersOf(ctx); r.get('/path', on(showThing));`. Express 5 passes a rejected
 * promise to the error middleware.
 */
export function handlersOf<Deps>(deps: Deps): (handler: Handler<Deps>) => RequestHandler {
  return (handler) => async (req, res) => {
    await handler(deps, req, res);
  };
}
