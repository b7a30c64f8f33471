import { aLetter, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { browser, useTestApp } from '../../support/test-app';

// The production throttle (tests elsewhere turn it off): at most one email of a kind per 10 minutes.
const t = useTestApp({ RESEND_THROTTLE_MINUTES: '10' });

/** Signs, then reads the page the answer leads to (as the signer's browser does), less its CSRF token. */
async function signAndRead(slug: string, form: Record<string, string>) {
  const b = browser(t.app);
  const res = await sign(t.app, slug, form, { browser: b });
  const page = await b.agent.get(res.headers.location);
  return {
    status: res.status,
    location: res.headers.location,
    page: page.text.replace(/name="_csrf" value="[^"]+"/g, ''),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 800));

describe('the resend throttle', () => {
  test('a signer who signs again right after confirming gets the "already signed" email', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await signAndRead(letter.slug, form);
    expect((await confirm(t, form.email)).status).toBe(200);
    await signAndRead(letter.slug, form);
    const mails = await t.smtp.waitFor(form.email, 2);
    expect(mails[1].subject).toMatch(/^You have already signed/);
  });

  test('when it holds an email back, the page says in words that a link was sent a few minutes ago, and is the same page as anyone gets', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const first = await signAndRead(letter.slug, form);
    await t.smtp.waitFor(form.email);
    const again = await signAndRead(letter.slug, form);
    await settle();
    expect(t.smtp.to(form.email)).toHaveLength(1); // held back
    expect(again.page).toContain('we sent you a link a few minutes ago');
    // Nobody learns from the page whether the address had signed: a stranger's page is the same.
    const stranger = await signAndRead(letter.slug, signForm());
    expect(again.status).toBe(first.status);
    expect(again.location).toBe(stranger.location);
    expect(again.page).toBe(stranger.page);
  });

  test('each kind is throttled on its own: a second "already signed" within the window is held back', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await signAndRead(letter.slug, form);
    await confirm(t, form.email);
    await signAndRead(letter.slug, form);
    await t.smtp.waitFor(form.email, 2);
    await signAndRead(letter.slug, form);
    await settle();
    expect(t.smtp.to(form.email)).toHaveLength(2);
  });
});
