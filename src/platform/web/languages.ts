/** The interface languages, and the languages a letter can be written in. */
export const LANGUAGES = ['en', 'uk', 'ru', 'fr', 'kk'] as const;
export type Language = (typeof LANGUAGES)[number];
