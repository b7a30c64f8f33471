import { auditSummaryLines } from '../../../src/features/exports/audit-summary';
import { initI18n } from '../../../src/platform/web/i18n';

beforeAll(() => initI18n());

const olga = { actorId: '00000000-0000-4000-8000-000000000001', actorName: 'Olga Organiser' };

describe("the delivery pack's summary of the audit trail", () => {
  test('names each kind by its own catalogue, with its count, the organiser, the day and the category', () => {
    expect(
      auditSummaryLines(
        [
          {
            day: '2026-05-12',
            kind: 'organisers.signature-invalidated',
            ...olga,
            category: 'duplicate-person',
            count: 3,
          },
          { day: '2026-05-12', kind: 'paper.signatures-imported', ...olga, category: null, count: 1 },
        ],
        'en',
      ),
    ).toEqual([
      '3 signatures invalidated by Olga Organiser on May 12, 2026: duplicate person',
      '1 paper signature imported by Olga Organiser on May 12, 2026',
    ]);
  });

  test('the platform, an organiser without a name, a kind no catalogue names, and nothing done', () => {
    expect(
      auditSummaryLines(
        [
          {
            day: '2026-05-13',
            kind: 'organisers.role-granted',
            actorId: null,
            actorName: null,
            category: null,
            count: 1,
          },
          {
            day: '2026-05-13',
            kind: 'future.something-new',
            actorId: olga.actorId,
            actorName: '',
            category: null,
            count: 2,
          },
          { day: '2026-05-13', kind: 'organisers.domain-invalidated', ...olga, category: null, count: 0 },
        ],
        'en',
      ),
    ).toEqual([
      '1 role on the team given by the platform on May 13, 2026',
      '2 other recorded actions by an organiser on May 13, 2026',
    ]);
  });

  test('speaks the language of the pack, plural forms included', () => {
    expect(
      auditSummaryLines(
        [{ day: '2026-05-12', kind: 'organisers.signature-invalidated', ...olga, category: 'fake-name', count: 5 }],
        'uk',
      ),
    ).toEqual([
      `5 підписів анульовано: Olga Organiser, ${new Intl.DateTimeFormat('uk', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date('2026-05-12T00:00:00Z'))}; причина: вигадане ім'я`,
    ]);
  });
});
