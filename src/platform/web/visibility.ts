/** How a signer's name may be shown: in full, as initials, or not at all (the default). */
export const VISIBILITIES = ['public', 'initials', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
