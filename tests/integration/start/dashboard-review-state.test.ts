import { grantRole } from '../../../src/core/access/organisers.service';
import { tFor } from '../../../src/platform/web/i18n';
import { aLetterOf, anOrganiser, signInAs } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();

test("a letter's dashboard says where its review stands, and its owners find the way to answer it", async () => {
  const owner = await anOrganiser(t.db);
  const editor = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, owner, 'owner', { title: 'A letter under review' });
  await grantRole(t.db, editor.email, letter.slug, 'editor');
  const b = await signInAs(t.app, t.smtp, owner.email);
  const dashboard = `/organise/letters/${letter.slug}?lang=fr`;
  const fr = tFor('fr');
  const html = (await b.agent.get(dashboard).expect(200)).text;
  // A letter made without review (the old way) says nothing of one.
  expect(html).not.toContain(`/start/letters/${letter.slug}"`);

  for (const state of ['submitted', 'changes_requested', 'rejected'] as const) {
    await t.db.query(`UPDATE letters SET review_state = $2 WHERE id = $1`, [letter.id, state]);
    const page = (await b.agent.get(dashboard).expect(200)).text;
    expect(page).toContain(escapeHtml(fr(`start.letter.state.${state}`)));
    expect(page).toContain(`href="/start/letters/${letter.slug}"`);
  }
  // An editor reads the state; the review's page is the owners'.
  const e = await signInAs(t.app, t.smtp, editor.email);
  const seen = (await e.agent.get(dashboard).expect(200)).text;
  expect(seen).toContain(escapeHtml(fr('start.letter.state.rejected')));
  expect(seen).not.toContain(`href="/start/letters/${letter.slug}"`);
});

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');
}
