/**
 * The layers of src/ (docs/architecture.md), checked by `npm run lint` (lint:deps). One folder a
 * layer, from the bottom up: platform/, core/, features/, app/; each imports only from below, and
 * a feature reaches another feature only through that feature's index.ts. The rules name folders,
 * never features: a new feature folder is held to them without anyone listing it.
 * tests/architecture/layers.test.ts plants wrong-way imports in a copy and expects this to fail.
 */
const PLATFORM = '^src/platform/';
const CORE = '^src/core/';
const FEATURES = '^src/features/';
const APP = '^src/app/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment:
        'No file imports itself through others. A cycle with a type-only link is allowed: it does not exist at run time ' +
        '(a TypeORM entity names its related entity type; the relation itself is resolved by name).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No two folders of src/ import each other, directly or through others.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-imports-nothing-above',
      comment: 'platform/ (config, logger, paths, context, db, web, mail) knows no core, feature or app.',
      severity: 'error',
      from: { path: PLATFORM },
      to: { path: [CORE, FEATURES, APP] },
    },
    {
      name: 'core-imports-only-platform',
      comment: 'core/ (letters, access, tokens, the audit record) imports only platform/ and itself.',
      severity: 'error',
      from: { path: CORE },
      to: { path: [FEATURES, APP] },
    },
    {
      name: 'features-only-through-index',
      comment: "Another feature's files are reached only through its index.ts (its public surface).",
      severity: 'error',
      from: { path: '^src/(?:features/([^/]+)|app)/' },
      to: { path: `${FEATURES}[^/]+/.`, pathNot: ['^src/features/$1/', `${FEATURES}[^/]+/index\\.ts$`] },
    },
    {
      name: 'nothing-imports-app',
      comment: 'Nothing below app/ imports it: the app composes the layers, the layers never know the app.',
      severity: 'error',
      from: { path: '^src/', pathNot: APP },
      to: { path: APP },
    },
    {
      name: 'app-entry-points-stay-on-top',
      comment:
        'app/cli/ commands and app/main.ts are entry points: nothing imports them; app/app.ts and app/supervisor.ts are imported by main.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app/main\\.ts$' },
      to: { path: '^src/app/(cli/(?!bootstrap\\.ts$)|main\\.ts$|app\\.ts$|supervisor\\.ts$)' },
    },
    {
      name: 'cli-bootstrap-is-for-commands',
      comment: 'app/cli/bootstrap.ts starts and stops what a command needs: only the commands beside it use it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app/cli/' },
      to: { path: '^src/app/cli/bootstrap\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|migrations)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.d.ts', '.js'] },
  },
};
