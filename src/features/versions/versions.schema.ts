import { z } from 'zod';

const versionNumber = z.coerce
  .number({ message: 'versions.errors.version' })
  .int('versions.errors.version')
  .min(1, 'versions.errors.version')
  .max(1_000_000, 'versions.errors.version');

/** `/letters/:slug/versions/:n` */
export const versionParamsSchema = z.object({ n: versionNumber });

/** `/letters/:slug/diff?from=&to=`: both optional (the latest change by default). */
export const diffQuerySchema = z
  .object({ from: versionNumber.optional(), to: versionNumber.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['from'],
    message: 'versions.errors.order',
  });
