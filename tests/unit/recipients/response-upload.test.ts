import { attachmentName, isPdf } from '../../../src/recipients/response-upload';
import { recipientLinkSchema } from '../../../src/recipients/recipients.schema';

describe('the response attachment', () => {
  test('is a PDF by its first bytes, whatever its name says', () => {
    expect(isPdf(Buffer.from('%PDF-1.7\n...'))).toBe(true);
    expect(isPdf(Buffer.from('%PDF'))).toBe(false);
    expect(isPdf(Buffer.from('MZ\x90\x00 a program.pdf'))).toBe(false);
    expect(isPdf(Buffer.from('<html>%PDF-1.7'))).toBe(false);
  });

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
    expect(recipientLinkSchema.safeParse({ name: 'X', expiresOn: '2999-01-01' }).error?.issues[0].message).toBe('recipients.errors.dateTooFar');
    expect(recipientLinkSchema.safeParse({ name: 'X', expiresOn: '2026-02-30' }).error?.issues[0].message).toBe('recipients.errors.dateInvalid');
  });
});
