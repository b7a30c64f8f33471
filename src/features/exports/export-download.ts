import type { Request, Response } from 'express';
import type { AppContext } from '../../platform/context';
import { exportSignatures, type ExportRequest } from './export.service';

const HEADERS = ['Content-Type', 'Content-Disposition', 'X-Export-Id'] as const;

/**
 * An export streamed as the answer to `req`: a download named by the export. When it fails
 * before its first byte, its headers are taken back and `refused` is given the error (to answer
 * it, or throw it on for the error page). After its first byte nothing can be answered: the
 * connection is broken, so a cut file can never pass for a complete one, and `what` is logged.
 */
export async function sendExport(
  ctx: AppContext,
  request: ExportRequest,
  req: Request,
  res: Response,
  opts: { what: string; letterId: string; refused(err: unknown): Promise<void> | void },
): Promise<void> {
  try {
    await exportSignatures(ctx, request, res, {
      onStart: ({ exportId, fileName, contentType }) => {
        res.status(200);
        res.set({
          'Content-Type': contentType,
          // The name is ASCII by construction (slug, date, uuid), so no filename* is needed.
          'Content-Disposition': `attachment; filename="${fileName}"`,
          'X-Export-Id': exportId,
        });
      },
    });
  } catch (err) {
    if (!res.headersSent) {
      for (const h of HEADERS) res.removeHeader(h);
      return opts.refused(err);
    }
    ctx.log.warn(
      { letterId: opts.letterId, reqId: req.id, err: err instanceof Error ? err.message : String(err) },
      opts.what,
    );
    res.destroy();
  }
}
