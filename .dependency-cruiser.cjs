/**
 * The layers of src/ (docs/architecture.md), checked by `npm run lint` (lint:deps). From the
 * bottom up: platform, letters core, features, composition; each imports only from below, and a
 * feature reaches another feature only through that feature's index.ts.
 * tests/architecture/layers.test.ts plants wrong-way imports in a copy and expects this to fail.
 */
const FEATURES = 'abuse|sharing|signatures|organisers|updates|paper|exports|privacy|ops|letter-page|audit|versions|integrity|history|recipients|my-signatures|api|webhooks';
const PLATFORM = '^src/((config|logger|paths|context)\\.ts$|(db|web|mail|types)/)';
const LETTERS = '^src/letters/';
const FEATURE = `^src/(${FEATURES})/`;
const COMPOSITION = '^src/((app|main|data-source)\\.ts$|(cli|jobs)/)';

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
      name: 'platform-imports-no-feature',
      comment: 'Platform (config, logger, paths, context, db/, web/, mail/) knows no letter, feature or composition.',
      severity: 'error',
      from: { path: PLATFORM },
      to: { path: [LETTERS, FEATURE, COMPOSITION] },
    },
    {
      name: 'letters-core-imports-only-platform',
      comment: 'letters/ imports only platform.',
      severity: 'error',
      from: { path: LETTERS },
      to: { path: [FEATURE, COMPOSITION] },
    },
    {
      name: 'features-only-through-index',
      comment: "Another feature's files are reached only through its index.ts (its public surface).",
      severity: 'error',
      from: { path: `^src/(${FEATURES}|cli|jobs)/|^src/[^/]+\\.ts$` },
      to: { path: `${FEATURE}.`, pathNot: ['^src/$1/', `^src/(${FEATURES})/index\\.ts$`] },
    },
    {
      name: 'nothing-imports-composition',
      comment: 'Nothing imports cli/, main.ts, jobs/ or the data source; only main.ts imports app.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: COMPOSITION },
      to: { path: COMPOSITION },
    },
    {
      name: 'composition-entry-points-stay-on-top',
      comment: 'cli/ commands and main.ts are entry points: nothing imports them; app.ts is imported by main.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/(cli/(?!bootstrap\\.ts$)|main\\.ts$|app\\.ts$)' },
    },
    {
      name: 'cli-bootstrap-is-for-commands',
      comment: 'cli/bootstrap.ts starts and stops what a command needs: only the commands beside it use it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/bootstrap\\.ts$' },
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
