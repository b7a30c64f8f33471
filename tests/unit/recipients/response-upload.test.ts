import { attachmentName } from '../../../src/features/recipients/response-upload';
import { recipientLinkSchema } from '../../../src/features/recipients/recipients.schema';

describe('the response attachment', () => {
  test('keeps its name without a path, quotes or control characters', () => {
    expect(attachmentName('C:\\Users\\minister\\réponse.pdf')).toBe('réponse.pdf');
    expect(attachmentName('../../etc/"answer"\u0000.pdf')).toBe('answer.pdf');
    expect(attachmentName('')).toBe('response.pdf');
    expect(attachmentName('a'.repeat(300))).toHaveLength(200);
  });
});

describe('the recipient link form', () => {
  test('lives a year by default; asks for an address only when the platform is to send it', () => {
    const parsed = recipientLinkSchema.parse({ name: ' Jean Ministre ', role: '', email: '', expiresOn: '' });
    expect(parsed).toMatchObject({ name: 'Jean Ministre', role: null, email: null, sendEmail: false });
    const days = (Date.parse(`${parsed.expiresOn}T00:00:00Z`) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(363);
    expect(days).toBeLessThan(366);
    const missing = recipientLinkSchema.safeParse({ name: 'X', email: '', sendEmail: 'on' });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.message)).toEqual(['recipients.errors.emailForSending']);
    expect(recipientLinkSchema.safeParse({ name: 'X', expiresOn: '2999-01-01' }).error?.issues[0].message).toBe(
      'recipients.errors.dateTooFar',
    );
    expect(recipientLinkSchema.safeParse({ name: 'X', expiresOn: '2026-02-30' }).error?.issues[0].message).toBe(
      'recipients.errors.dateInvalid',
    );
  });
});
