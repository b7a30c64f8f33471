import { isPermanentRecipientFailure } from '../../../src/platform/mail/bounce';
import { matchingKey, matchingName } from '../../../src/features/paper/name-match';
import { groupedDailyChartSvg } from '../../../src/platform/web/svg-charts';

describe('which SMTP failures are bounces', () => {
  const envelope = (responseCode: number, response: string) =>
    Object.assign(new Error(response), { code: 'EENVELOPE', command: 'RCPT TO', responseCode, response });

  test('a 5xx to RCPT TO is permanent', () => {
    expect(
      isPermanentRecipientFailure(envelope(550, '550 5.1.1 <a@b.example>: Recipient address rejected: User unknown')),
    ).toBe(true);
    expect(isPermanentRecipientFailure(envelope(553, '553 5.1.3 Bad recipient address syntax'))).toBe(true);
  });

  test('a 4xx, a policy refusal (5.7.x), a refused connection or a failure at another command is retried', () => {
    expect(isPermanentRecipientFailure(envelope(450, '450 4.2.1 Mailbox temporarily unavailable'))).toBe(false);
    expect(isPermanentRecipientFailure(envelope(554, '554 5.7.1 <a@b.example>: Relay access denied'))).toBe(false);
    expect(
      isPermanentRecipientFailure(
        Object.assign(new Error('421 service not available'), {
          code: 'ECONNECTION',
          command: 'CONN',
          responseCode: 421,
        }),
      ),
    ).toBe(false);
    expect(
      isPermanentRecipientFailure(
        Object.assign(new Error('535 auth failed'), { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }),
      ),
    ).toBe(false);
    expect(isPermanentRecipientFailure(new Error('socket hang up'))).toBe(false);
    expect(isPermanentRecipientFailure(null)).toBe(false);
  });
});

describe('names compared for paper duplicates', () => {
  test('case, accents, compatibility forms and runs of spaces do not matter', () => {
    expect(matchingName('  CHLOÉ   Martin ')).toBe('chloe martin');
    expect(matchingName('Ｊｅａｎ Dupont')).toBe('jean dupont');
    expect(matchingName('Олексій\tШевченко')).toBe(matchingName('олексіи шевченко'));
    expect(matchingName('Айгерім Қасымқызы')).toBe(matchingName('АЙГЕРІМ ҚАСЫМҚЫЗЫ'));
  });

  test('the country is part of the key', () => {
    expect(matchingKey('Jean Dupont', 'fr')).toBe(matchingKey('jean dupont', 'FR'));
    expect(matchingKey('Jean Dupont', 'FR')).not.toBe(matchingKey('Jean Dupont', 'BE'));
  });
});

describe('grouped daily chart', () => {
  test('draws one column per series and day, a legend, and lists the data in its description', () => {
    const svg = groupedDailyChartSvg({
      title: 'Signed and confirmed',
      series: ['Signed', 'Confirmed'],
      days: [
        { day: '2026-11-01', values: [4, 3] },
        { day: '2026-11-02', values: [0, 0] },
        { day: '2026-11-03', values: [2, 1] },
      ],
    });
    expect((svg.match(/class="col"/g) ?? []).length).toBe(4);
    expect(svg).toContain('>Signed</text>');
    expect(svg).toContain('2026-11-01: Signed 4, Confirmed 3; 2026-11-03: Signed 2, Confirmed 1');
    expect(svg).not.toMatch(/style=/);
  });

  test('with nothing to draw it says so', () => {
    const svg = groupedDailyChartSvg({
      title: 'x',
      series: ['a'],
      days: [{ day: '2026-11-01', values: [0] }],
      emptyText: 'No signatures yet',
    });
    expect(svg).toContain('No signatures yet');
  });
});
