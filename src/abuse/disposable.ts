import fs from 'node:fs';

/** Throwaway-address services (the package is one JSON array), loaded once into a Set. */
const DISPOSABLE = new Set<string>(
  (JSON.parse(fs.readFileSync(require.resolve('disposable-email-domains'), 'utf8')) as string[]).map((d) => d.toLowerCase()),
);

/** True for a disposable-address domain or any subdomain of one. */
export function isDisposableDomain(domain: string): boolean {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    if (DISPOSABLE.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}
