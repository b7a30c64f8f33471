// The widget's proof of work runs in a worker loaded from this site: the widget's default build
// would start it from a blob: URL, which the Content-Security-Policy refuses.
globalThis.$altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker('/static/altcha/pbkdf2-worker.js'));
