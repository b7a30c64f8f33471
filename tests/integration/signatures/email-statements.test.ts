import { pgPool } from '../../../src/platform/db/pool';
import { Mailer } from '../../../src/platform/mail/mailer';
import { smtpTransport } from '../../../src/platform/mail/transport';
import { sendSignatureEmail } from '../../../src/features/signatures/signature-email.task';
import { aLetter, aSignature, anEmail } from '../../support/factories';
import { linkFrom } from '../../support/smtp-sink';
import { useTestApp } from '../../support/test-app';

/**
 * A viral day sends hundreds of confirmation emails a second about one letter: each email's
 * database work is one statement (the signature read and its tokens inserted together), the
 * letter coming from a short cache. It was three round trips (signature, letter, tokens).
 */
const t = useTestApp({}, { worker: false });

test('a confirmation email about a letter already mailed about costs one statement, and its link confirms', async () => {
  const letter = await aLetter(t.db);
  const first = await aSignature(t.db, letter, { status: 'pending', email: anEmail('first') });
  const second = await aSignature(t.db, letter, { status: 'pending', email: anEmail('second') });
  const transport = smtpTransport(t.smtp.url, t.config.MAIL_FROM);
  const mailer = new Mailer(transport);
  try {
    await sendSignatureEmail(t.ctx, mailer, { signatureId: first.id, kind: 'confirm' });
    const pool = pgPool(t.db);
    let statements = 0;
    const count = () => statements++;
    pool.on('acquire', count);
    try {
      await sendSignatureEmail(t.ctx, mailer, { signatureId: second.id, kind: 'confirm' });
    } finally {
      pool.off('acquire', count);
    }
    expect(statements).toBe(1);
    const [mail] = await t.smtp.waitFor(second.email!);
    const link = new URL(linkFrom(mail, '/s/confirm/'));
    const [token] = await t.db.query(
      `SELECT purpose, used_at FROM tokens WHERE signature_id = $1 AND purpose = 'confirm'`,
      [second.id],
    );
    expect(token).toEqual({ purpose: 'confirm', used_at: null });
    expect(link.pathname).toMatch(/^\/s\/confirm\/[A-Za-z0-9_-]{40,}$/);
  } finally {
    transport.close();
  }
});

test('a reminder for a signature confirmed in the meantime makes no token and sends nothing', async () => {
  const letter = await aLetter(t.db);
  const sig = await aSignature(t.db, letter, { status: 'confirmed', email: anEmail('confirmed') });
  const transport = smtpTransport(t.smtp.url, t.config.MAIL_FROM);
  try {
    await sendSignatureEmail(t.ctx, new Mailer(transport), { signatureId: sig.id, kind: 'reminder' });
  } finally {
    transport.close();
  }
  expect(await t.db.query('SELECT 1 FROM tokens WHERE signature_id = $1', [sig.id])).toEqual([]);
  expect(t.smtp.to(sig.email!)).toEqual([]);
});
