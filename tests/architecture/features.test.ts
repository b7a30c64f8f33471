/**
 * The feature list is the plan: every folder under src/features/ is one feature, described by the
 * `feature` its index.ts exports and listed once in src/app/features.ts; every folder of views/ and
 * every message catalogue belongs to exactly one feature or to the app's shared parts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FEATURES } from '../../src/app/features';

const ROOT = path.resolve(__dirname, '../..');
const dirs = (p: string) =>
  fs
    .readdirSync(path.join(ROOT, p), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

/** Views and messages that no single feature owns: the shells, sign-in (core/access), e-mail layouts, the dev mailbox. */
const SHARED_VIEWS = ['emails', 'login', 'mail', 'partials'];
const SHARED_MESSAGES = ['common'];

describe('the feature list', () => {
  it('names every folder under src/features/ once, by its own name', () => {
    const names = FEATURES.map((f) => f.name);
    expect([...names].sort()).toEqual(dirs('src/features'));
    expect(new Set(names).size).toBe(names.length);
  });

  it("takes each feature's descriptor from its own index.ts", async () => {
    for (const name of dirs('src/features')) {
      const mod = (await import(path.join(ROOT, 'src/features', name, 'index.ts'))) as { feature?: { name: string } };
      expect({ name, described: mod.feature?.name }).toEqual({ name, described: name });
      expect(FEATURES).toContain(mod.feature);
    }
  });

  it('gives every folder of views/ and every message catalogue one owner', () => {
    const owners = new Map<string, string[]>();
    const claim = (what: string, by: string) => owners.set(what, [...(owners.get(what) ?? []), by]);
    for (const v of SHARED_VIEWS) claim(`views/${v}`, 'shared');
    for (const m of SHARED_MESSAGES) claim(`messages/${m}`, 'shared');
    for (const f of FEATURES) {
      for (const v of f.views ?? []) claim(`views/${v}`, f.name);
      for (const m of f.messages ?? []) claim(`messages/${m}`, f.name);
    }
    const present = [
      ...dirs('views').map((v) => `views/${v}`),
      ...fs
        .readdirSync(path.join(ROOT, 'locales/en'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `messages/${f.replace(/\.json$/, '')}`),
    ].sort();
    expect([...owners.keys()].sort()).toEqual(present);
    for (const [what, by] of owners) expect({ what, by: by.length }).toEqual({ what, by: 1 });
  });
});
