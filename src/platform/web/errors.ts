/** Typed errors: one middleware turns them into pages or JSON. `messageKey` is an i18n key. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export class NotFound extends AppError {
  constructor() {
    super(404, 'not_found', 'errors.notFound');
  }
}

export class RateLimited extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    messageKey = 'errors.rateLimited',
    details: Record<string, unknown> = {},
  ) {
    super(429, 'rate_limited', messageKey, details);
  }
}

/** 403. `reasonKey` (an i18n key) says why, on the error page and in the JSON. */
export class Forbidden extends AppError {
  constructor(readonly reasonKey?: string) {
    super(403, 'forbidden', 'errors.forbidden');
  }
}
