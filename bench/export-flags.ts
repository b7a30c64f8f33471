/**
 * Node's flags for the export command as production runs it (`npm run export:prod`, and
 * `npm run export`): a 2 MB young generation, since a streaming export makes only short-lived
 * garbage. With Node's default (16 MB semi-spaces) the 1,000,000-row CSV peaked at 136 MB; with
 * this, 103 MB at the same speed.
 */
export const EXPORT_NODE_FLAGS = ['--max-semi-space-size=2'];
