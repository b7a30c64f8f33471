import { responseUploadRule } from './limits';
import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { AppContext } from '../../platform/context';
import { LARGE_OBJECT_CHUNK_BYTES, StagedLargeObject } from '../../platform/db/large-objects';
import { AppError, NotFound, RateLimited } from '../../platform/web/errors';
import { limitKeyForIp } from '../../platform/web/network';
import { PDF_HEAD_BYTES, PDF_TAIL_BYTES, pdfStructureProblem, type PdfProblem } from './pdf-structure';
import { findLiveLink } from './recipient-links.service';
import { consumeResponseAttempt } from './recipient-response.service';

/** The largest PDF an addressee may attach to their response. */
export const ATTACHMENT_LIMIT_BYTES = 10 * 1024 * 1024;
/** The largest multipart body the response form can send: the file, the text at its limit, and small fields. */
export const RESPONSE_UPLOAD_BODY_LIMIT_BYTES = ATTACHMENT_LIMIT_BYTES + 256 * 1024;

export class AttachmentTooLarge extends AppError {
  constructor() {
    super(413, 'attachment_too_large', 'recipients.errors.attachmentTooLarge', {
      mb: ATTACHMENT_LIMIT_BYTES / 1024 / 1024,
    });
  }
}

export class ResponseUploadBudgetSpent extends RateLimited {
  constructor(retryAfterSeconds: number, megabytes: number) {
    super(retryAfterSeconds, 'recipients.errors.uploadBudget', { megabytes });
  }
}

/** Format characters that reorder or hide text (bidi overrides and isolates, zero-width marks). */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
/** C0 and C1 controls and DEL, and the characters a name must not carry into a header or a path. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f"\\/:*?<>|]/g;

/**
 * The name a downloaded attachment is listed under: the last part of whatever path the browser
 * sent, without control, direction or zero-width characters (a name that reads "…exe.pdf" but is
 * not), nor quotes or path separators; at most 200 characters (code points, never half of one).
 */
export function attachmentName(original: string): string {
  const base = original.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(INVISIBLE, '').replace(UNSAFE, '').trim();
  return [...clean].slice(0, 200).join('').trim() || 'response.pdf';
}

/** What the upload leaves on `req.file` in place of the bytes: where they are and what they are. */
export interface StagedAttachment {
  originalName: string;
  oid: number;
  bytes: number;
  sha256: string;
  /** Why it is not a whole PDF, or null. */
  pdfProblem: PdfProblem | null;
  discard(): Promise<void>;
}

type StagedFile = Express.Multer.File & { staged?: StagedAttachment };

/** Errors of the storage itself (the database), told apart from a malformed form (busboy's). */
const storageErrors = new WeakSet<object>();

/**
 * A multer storage engine that writes the file into a staged large object as it arrives,
 * LARGE_OBJECT_CHUNK_BYTES at a time, reading the next part only once the last is written: one
 * upload holds about one chunk in memory. It keeps the SHA-256, the size and the first and last
 * bytes, and checks the PDF's structure at the end. An upload cut off or refused deletes its
 * object; one abandoned by a stopped process is swept by the retention run.
 */
function largeObjectStorage(ctx: AppContext): multer.StorageEngine {
  return {
    _handleFile(_req, file, callback) {
      void (async () => {
        let staged: StagedLargeObject | null = null;
        try {
          const hash = crypto.createHash('sha256');
          let pending: Buffer[] = [];
          let pendingBytes = 0;
          let head = Buffer.alloc(0);
          let tail = Buffer.alloc(0);
          const flush = async () => {
            if (!pendingBytes) return;
            const chunk = Buffer.concat(pending, pendingBytes);
            pending = [];
            pendingBytes = 0;
            staged ??= await StagedLargeObject.create(ctx.db);
            await staged.append(chunk);
          };
          for await (const data of file.stream as AsyncIterable<Buffer>) {
            hash.update(data);
            if (head.length < PDF_HEAD_BYTES)
              head = Buffer.concat([head, data.subarray(0, PDF_HEAD_BYTES - head.length)]);
            tail = Buffer.concat([tail, data]).subarray(-PDF_TAIL_BYTES);
            pending.push(data);
            pendingBytes += data.length;
            if (pendingBytes >= LARGE_OBJECT_CHUNK_BYTES) await flush();
          }
          await flush();
          const object = staged as StagedLargeObject | null;
          const bytes = object?.bytes ?? 0;
          const pdfProblem = object
            ? await pdfStructureProblem({ size: bytes, head, tail }, (offset, length) => object.read(offset, length))
            : null;
          const info: StagedAttachment = {
            originalName: file.originalname,
            oid: object?.oid ?? 0,
            bytes,
            sha256: hash.digest('hex'),
            pdfProblem,
            discard: async () => {
              await object?.discard();
            },
          };
          callback(null, { size: bytes, staged: info } as Partial<StagedFile>);
        } catch (err) {
          await (staged as StagedLargeObject | null)?.discard().catch(() => undefined);
          // A stream error is the form's (malformed, cut off); any other is the database's.
          if (err instanceof Error && !(file.stream as { errored?: unknown }).errored) storageErrors.add(err);
          callback(err);
        }
      })();
    },
    _removeFile(_req, file, callback) {
      const staged = (file as StagedFile).staged;
      if (!staged) return callback(null);
      staged.discard().then(() => callback(null), callback);
    },
  };
}

/** Whether the request says how long its body is (browsers and curl do). */
function declaredLength(req: Request): number | null {
  const n = Number(req.get('content-length'));
  return req.get('content-length') !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Checked on the headers alone, before the body is read (refuseUploadBeforeReading in app.ts):
 * the link must be live (known, not revoked, not expired, its letter's delivery still recorded),
 * or the answer is 404 without a byte of the body read; then the network's hourly byte budget
 * for responses is charged the declared length (429 when it does not fit, nothing charged). A
 * body of undeclared length is charged once read (responseUploadParser).
 */
export function responseUploadChecks(ctx: AppContext): RequestHandler[] {
  const liveLink: RequestHandler = async (req, res, next) => {
    const link = await findLiveLink(ctx.db, String(req.params.token));
    if (!link) throw new NotFound();
    // A handful of posts an hour per link: enough to correct a response, too few to flood the owners.
    const retryAfter = await consumeResponseAttempt(ctx.db, link);
    if (retryAfter !== null) {
      res.set('Connection', 'close');
      throw new RateLimited(retryAfter, 'recipients.errors.tooManyResponses');
    }
    next();
  };
  const budget: RequestHandler = async (req, _res, next) => {
    const result = await ctx.limits.chargeBytes(
      responseUploadRule(ctx.config),
      limitKeyForIp(ctx.config.SESSION_SECRET, req.ip ?? ''),
      declaredLength(req) ?? 0,
    );
    if (!result.ok)
      throw new ResponseUploadBudgetSpent(result.retryAfterSeconds, ctx.config.RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR);
    next();
  };
  return [liveLink, budget];
}

/**
 * Parses the response form (multipart: the text and an optional PDF) after responseUploadChecks,
 * streaming the PDF into a staged large object (see largeObjectStorage); `stagedAttachment(req)`
 * gives it to the route, which either hands it to the response or discards it.
 */
export function responseUploadParser(ctx: AppContext): RequestHandler {
  const upload = multer({
    storage: largeObjectStorage(ctx),
    // Browsers send the file's name in UTF-8 without saying so: an official's "réponse.pdf" stays itself.
    defParamCharset: 'utf8',
    limits: { fileSize: ATTACHMENT_LIMIT_BYTES, fieldSize: 200 * 1024, files: 1, fields: 5, parts: 6 },
  }).single('attachment');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      let outcome: unknown = err;
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE';
        if (tooBig) res.set('Connection', 'close');
        outcome = tooBig ? new AttachmentTooLarge() : new AppError(400, 'bad_request', 'errors.badRequest');
      } else if (err instanceof Error && !(err instanceof AppError) && !storageErrors.has(err)) {
        // busboy's: a malformed body ("Malformed part header", "Unexpected end of form").
        outcome = new AppError(400, 'bad_request', 'errors.badRequest');
      }
      // A body of undeclared length (chunked) is charged once read: what it held, or the cap it hit.
      const read =
        declaredLength(req) !== null
          ? 0
          : outcome instanceof AttachmentTooLarge
            ? ATTACHMENT_LIMIT_BYTES
            : (stagedAttachment(req)?.bytes ?? 0);
      if (!read) return next(outcome);
      ctx.limits
        .chargeBytes(responseUploadRule(ctx.config), limitKeyForIp(ctx.config.SESSION_SECRET, req.ip ?? ''), read, {
          afterRead: true,
        })
        .then(() => next(outcome), next);
    });
  };
}

/** The staged PDF of this request, if a file came (empty or not). */
export function stagedAttachment(req: Request): StagedAttachment | null {
  const file: StagedFile | undefined = req.file;
  return file?.staged ?? null;
}
