import { anOrganiser, aLetterOf, postForm, signInAs } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import { isAllowedNetwork, listAllowedNetworks } from '../../../src/features/abuse/abuse.service';
import { grantRole } from '../../../src/core/access/organisers.service';

const t = useTestApp();

describe("a letter's allowed networks", () => {
  test('an owner adds a network (host bits cleared), sees it listed, and removes it', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const b = await signInAs(t.app, t.smtp, owner.email);
    const page = `/organise/letters/${letter.slug}/allow-list`;

    const added = await postForm(b, page, page, { cidr: '192.0.2.77/24', note: 'Newsroom <b>desk</b>' });
    expect(added.status).toBe(303);
    expect(added.headers.location).toBe(page);
    const [network] = await listAllowedNetworks(t.db, letter.id);
    expect(network.cidr).toBe('192.0.2.0/24');
    expect(await isAllowedNetwork(t.db, letter.id, '192.0.2.200')).toBe(true);
    expect(await isAllowedNetwork(t.db, letter.id, '::ffff:192.0.2.200')).toBe(true);
    expect(await isAllowedNetwork(t.db, letter.id, '192.0.3.1')).toBe(false);

    const listed = await b.agent.get(page).expect(200);
    expect(listed.text).toContain('192.0.2.0/24');
    expect(listed.text).toContain('Newsroom &lt;b&gt;desk&lt;/b&gt;');
    expect(listed.headers['cache-control']).toContain('no-store');

    const removed = await postForm(b, page, `${page}/${network.id}/delete`);
    expect(removed.status).toBe(303);
    expect(await listAllowedNetworks(t.db, letter.id)).toEqual([]);
  });

  test('a network that is not one, or wider than a /16, is refused with a message beside the field', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const b = await signInAs(t.app, t.smtp, owner.email);
    const page = `/organise/letters/${letter.slug}/allow-list`;
    for (const cidr of [
      'not-an-ip',
      '10.0.0.0/8',
      '2001:db8::/16',
      '192.0.2.1/33',
      '',
      "1.2.3.4'; DROP TABLE letters; --",
    ]) {
      const res = await postForm(b, page, page, { cidr });
      expect(res.status).toBe(422);
      expect(res.text).toContain('id="cidr-error"');
    }
    expect(await listAllowedNetworks(t.db, letter.id)).toEqual([]);
  });

  test('editors, other organisers and strangers cannot see or change the list', async () => {
    const owner = await anOrganiser(t.db);
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const page = `/organise/letters/${letter.slug}/allow-list`;

    const asEditor = await signInAs(t.app, t.smtp, editor.email);
    // An editor knows the letter: told that only an owner may (403), not that it does not exist.
    expect((await asEditor.agent.get(page)).status).toBe(403);
    const csrf = await asEditor.csrfFrom('/organise');
    expect((await asEditor.agent.post(page).type('form').send({ cidr: '192.0.2.0/24', _csrf: csrf })).status).toBe(403);

    const stranger = browser(t.app);
    const anon = await stranger.agent.get(page);
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login');
    expect(await listAllowedNetworks(t.db, letter.id)).toEqual([]);
  });
});
