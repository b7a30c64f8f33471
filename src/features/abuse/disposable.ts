import fs from 'node:fs';

/**
 * Throwaway-address services (the package is one JSON array), loaded into a Set on the first
 * check, not at start: ~30 MB that a command (an export, say) never needs.
 */
let disposable: Set<string> | null = null;

function disposableDomains(): Set<string> {
  disposable ??= new Set<string>(
    (JSON.parse(fs.readFileSync(require.resolve('disposable-email-domains'), 'utf8')) as string[]).map((d) =>
      d.toLowerCase(),
    ),
  );
  return disposable;
}

/** True for a disposable-address domain or any subdomain of one. */
export function isDisposableDomain(domain: string): boolean {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  const DISPOSABLE = disposableDomains();
  for (let i = 0; i < labels.length - 1; i++) {
    if (DISPOSABLE.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}
