import { initialsOf, publicName } from '../../../src/features/signatures/display-name';

describe('how a signer appears', () => {
  test('initials keep each script', () => {
    expect(initialsOf('Айгерім Қасымқызы')).toBe('А. Қ.');
    expect(initialsOf('  jean-luc  picard ')).toBe('J. L. P.');
    expect(initialsOf('Мұхтар Әбілқасымұлы')).toBe('М. Ә.');
  });
  test('private signers have no public name', () => {
    expect(publicName('Olena', 'private')).toBeNull();
    expect(publicName('Olena Kovalchuk', 'public')).toBe('Olena Kovalchuk');
  });
});
