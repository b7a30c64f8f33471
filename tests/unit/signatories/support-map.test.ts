import { publicCountryCounts } from '../../../src/core/letters/counts.service';
import { supportMapSvg, type MapLabels } from '../../../src/features/signatories/support-map';

const labels: MapLabels = {
  title: 'Where the signatures come from',
  desc: 'Verified signatures by country.',
  fewer: 'fewer than 5',
  none: 'none',
  signatures: (_n, formatted) => `${formatted} signatures`,
};

test('each country with signatures is named with its count, a small one only as "fewer than 5"', async () => {
  const figures = publicCountryCounts([
    { country: 'UA', count: 1234 },
    { country: 'KZ', count: 5 },
    { country: 'IS', count: 4 },
  ]);
  const svg = await supportMapSvg(figures, 'en', labels);
  expect(svg).toContain('aria-label="Ukraine: 1,234 signatures"');
  expect(svg).toContain('aria-label="Kazakhstan: 5 signatures"');
  expect(svg).toContain('aria-label="Iceland: fewer than 5"');
  expect(svg).not.toMatch(/Iceland: 4/);
  // Countries without signatures are drawn, unnamed.
  expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(150);
  expect((svg.match(/aria-label="/g) ?? []).length).toBe(3);
  // Nothing from another host, no script.
  expect(svg).not.toMatch(/<script|href=|https?:\/\/(?!www\.w3\.org)/);
});

test('the same figures give the same map, from the cache', async () => {
  const figures = publicCountryCounts([{ country: 'FR', count: 7 }]);
  const a = supportMapSvg(figures, 'fr', labels);
  const b = supportMapSvg(publicCountryCounts([{ country: 'FR', count: 7 }]), 'fr', labels);
  expect(b).toBe(a);
  expect(await a).toContain('France : 7 signatures'.replace(' :', ':'));
});
