import fs from 'node:fs';
import { z } from 'zod';

/**
 * Every setting the platform reads, parsed once at start-up. Nothing else reads process.env:
 * a missing setting fails here with one clear line per variable, not at the first email.
 * `.env.example` documents each variable in the same order.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Public address of the site, used in every emailed link. */
  BASE_URL: z.string().url().optional(),
  /**
   * Where to report a security problem (/.well-known/security.txt): an email address, or a
   * mailto:, https: or tel: URI. Default: security@ the host of BASE_URL.
   */
  SECURITY_CONTACT: z.string().min(3).optional(),
  /** PostgreSQL connection string; without it an embedded PostgreSQL starts under DATA_DIR. */
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * PostgreSQL connection string of the role that owns the schema, used only to migrate at
   * start-up (and to grant the role of DATABASE_URL what it needs). Set, the app itself runs as
   * DATABASE_URL's role, which then owns no table and may only INSERT and SELECT the audit trail.
   * Unset: one role does both, as before.
   */
  MIGRATION_DATABASE_URL: z.string().min(1).optional(),
  /**
   * PostgreSQL connection string for the worker, when DATABASE_URL goes through a transaction
   * pooler (PgBouncer with pool_mode=transaction): PostgreSQL itself or a session-mode pool. The
   * worker needs sessions of its own: graphile-worker LISTENs for new jobs and prepares its
   * statements, and each worker holds a session advisory lock that tells live workers from dead
   * ones (docs/scaling.md). Same role as DATABASE_URL. Unset: the worker uses DATABASE_URL.
   */
  DATABASE_DIRECT_URL: z.string().min(1).optional(),
  /**
   * DATABASE_URL goes through a transaction pooler that cannot carry named prepared statements
   * (PgBouncer in pool_mode=transaction before 1.21, such as Debian 12's 1.18): every statement
   * of the web processes is then sent unnamed, parsed and planned each time (docs/scaling.md).
   * Off by default: on PostgreSQL itself, a session pool, or PgBouncer 1.21+ with
   * max_prepared_statements, named statements work and cost less.
   */
  DATABASE_TRANSACTION_POOLING: bool.default(false),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** smtp://user:pass@host:port or smtps://…; without it (outside production) mail goes to the development mailbox. */
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().min(3).default('Undersigned <no-reply@undersigned.localhost>'),
  /** Signs CSRF tokens, sessions and the keyed hash of network origins. */
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Days an organiser stays signed in at most, however active: the session otherwise rolls on
   * eight hours after the last request, and a stolen cookie would live as long as it is used.
   */
  SESSION_ABSOLUTE_DAYS: z.coerce.number().positive().default(7),
  /** Which processes this one runs: web, worker, or both. */
  ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  /**
   * 0 (the default): this process is the app (web and/or worker, as ROLE says). N ≥ 1: this
   * process migrates, then runs N web processes on the one PORT (Node's cluster module) and, with
   * ROLE=all, WORKER_PROCESSES workers, each a process of its own, replaced if it dies.
   */
  WEB_PROCESSES: z.coerce.number().int().min(0).max(64).default(0),
  /** Worker processes beside the web processes when WEB_PROCESSES is set and ROLE=all. */
  WORKER_PROCESSES: z.coerce.number().int().min(1).max(16).default(1),
  /** Addresses of reverse proxies whose X-Forwarded-For is believed (Express "trust proxy"). */
  TRUST_PROXY: z.string().default('loopback'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long an emailed confirmation link stays valid, in hours. */
  CONFIRM_TOKEN_TTL_HOURS: z.coerce.number().int().min(1).default(72),
  /**
   * A letter page rendered for anonymous readers is served to others for this many seconds (per
   * process; the form's CSRF token is filled in per reader). 0 renders every request.
   */
  LETTER_PAGE_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(1),
  /**
   * The most time PostgreSQL may spend on one search of a list of signatories: a search that too
   * many names match (a word every name shares, on a letter of a million) is stopped there and the
   * reader asked to type more, so no stranger's query costs more than this.
   */
  SEARCH_TIME_LIMIT_MS: z.coerce.number().int().min(1).max(10_000).default(250),
  /** A pending signature gets one reminder after this many hours. */
  REMINDER_AFTER_HOURS: z.coerce.number().min(0).default(24),
  /** At most one fresh confirmation email per signature in this many minutes. */
  RESEND_THROTTLE_MINUTES: z.coerce.number().min(0).default(10),
  /**
   * Signing attempts (and sign-in and manage-link requests) allowed per network per hour (the
   * address for IPv4, the /64 for IPv6), and per normalised email per hour.
   */
  SIGN_LIMIT_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(60),
  SIGN_LIMIT_PER_EMAIL_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** Hard limit on POST requests per IP per minute, on every route (answered 429). */
  FLOOD_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /**
   * Soft limits on signing: a signature beyond them is accepted as usual but held for review
   * (not counted until an organiser releases it). SIGN_LIMIT_PER_IP_PER_HOUR above is the
   * sustained per-IP one; per-domain limits skip the big public mail providers.
   */
  SIGN_BURST_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  SIGN_BURST_PER_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).default(3),
  SIGN_SUSTAINED_PER_EMAIL_PER_HOUR: z.coerce.number().int().min(1).default(4),
  SIGN_BURST_PER_DOMAIN_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR: z.coerce.number().int().min(1).default(200),
  /**
   * Challenge mode: while a letter shows signs of abuse, its sign form asks the browser for a
   * proof of work (ALTCHA, served from this site); a signature without a solved one is taken and
   * answered as usual but held for review (`challenge-missing`). A letter enters it when, over the
   * last CHALLENGE_WINDOW_MINUTES, at least CHALLENGE_MIN_HELD of its new signatures were held
   * and they were at least CHALLENGE_HELD_SHARE of them; it leaves after CHALLENGE_QUIET_MINUTES
   * without that (unless an owner switched it on).
   */
  CHALLENGE_WINDOW_MINUTES: z.coerce.number().positive().max(60).default(5),
  CHALLENGE_MIN_HELD: z.coerce.number().int().min(1).default(20),
  CHALLENGE_HELD_SHARE: z.coerce.number().gt(0).max(1).default(0.2),
  CHALLENGE_QUIET_MINUTES: z.coerce.number().positive().default(30),
  /**
   * The work a challenge asks for: PBKDF2-SHA-256 rounds per attempt, and the largest number of
   * attempts (the answer lies between half of it and all of it). The defaults take a phone about
   * a second (measured in the end-to-end suite); the server pays one attempt per challenge.
   */
  CHALLENGE_COST: z.coerce.number().int().min(1).default(1000),
  CHALLENGE_MAX_ATTEMPTS: z.coerce.number().int().min(2).default(800),
  /** Minutes a challenge stays valid (its solution is remembered as long, so it signs once). */
  CHALLENGE_EXPIRES_MINUTES: z.coerce.number().int().min(1).default(30),
  /**
   * The held queue's release rule releases at most this many signatures per letter, per network
   * (origin hash) and per mail domain, in any hour; the rest wait for the next hour or an organiser.
   */
  AUTO_RELEASE_PER_NETWORK_PER_HOUR: z.coerce.number().int().min(0).default(20),
  AUTO_RELEASE_PER_DOMAIN_PER_HOUR: z.coerce.number().int().min(0).default(20),
  /**
   * Megabytes of files one network (the address for IPv4, the /64 for IPv6) may upload to
   * /verify per hour, on top of the 200 MB cap per file. Checking by fingerprint is not counted.
   */
  VERIFY_UPLOAD_MB_PER_NETWORK_PER_HOUR: z.coerce.number().int().min(1).default(1024),
  /**
   * Megabytes of response PDFs one network may upload through recipient links per hour (each at
   * most 10 MB). An addressee sends one or two; 50 MB leaves room for a few offices behind one
   * address and refuses a flood long before it costs the database much.
   */
  RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR: z.coerce.number().int().min(1).default(50),
  /**
   * Downloads of the delivered list (CSV or PDF pack) one recipient link may make per hour. Each is
   * an export of every verified row, recorded with its digest: an office downloads it a few times,
   * and a forwarded link cannot make the server export the list in a loop.
   */
  RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /**
   * Seconds a client has to send a request's headers (Node's headersTimeout; its default is 60).
   * Headers are a few kilobytes: 20 s is ample on a poor mobile link and frees a slow-headers
   * connection three times sooner.
   */
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(20),
  /**
   * Seconds a client has to send a whole request, body included (Node's requestTimeout; its
   * default is 300). The largest body is a 10 MB response PDF: about 84 s at 1 Mbit/s, the
   * uplink of a slow phone, so 120 s lets it through with room to spare, and a client that
   * holds a connection open by trickling a body is dropped after two minutes, not five. At most
   * 30 minutes: an upload unclaimed for an hour is swept (STAGED_UPLOAD_HOURS).
   */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(1800).default(120),
  /** Days before a signature never confirmed is erased. */
  PENDING_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  /** Days after delivery before signers' email addresses and origin hashes are erased. */
  DELIVERED_RETENTION_DAYS: z.coerce.number().min(0).default(180),
  /**
   * Days the audit trail keeps its erasable details (reasons and notes typed by organisers, mail
   * domains): then they are deleted and the trail shows that they were erased.
   */
  AUDIT_DETAIL_RETENTION_DAYS: z.coerce.number().min(0).default(365),
  /** Bearer token for /metrics. Unset: /metrics is open outside production and absent in production. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Optional Redis for rate-limit counters shared by every process. */
  REDIS_URL: z.string().url().optional(),
  /**
   * Mail worker concurrency (jobs at once per worker process), and as many pooled SMTP
   * connections: each email spends most of its time waiting on the SMTP server.
   */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Jobs locked this long by a worker whose process is gone are unlocked by the live workers
   * (graphile-worker alone waits 4 hours). Longer than a PostgreSQL restart takes.
   */
  WORKER_RECOVERY_AFTER_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Requests one API token may make per minute (answered 429 beyond). */
  API_REQUESTS_PER_TOKEN_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /**
   * Webhooks may call http:// addresses and private, loopback or link-local networks. Default:
   * only outside production (to test with a receiver on one's own machine); in production a
   * webhook must be https:// and resolve to public addresses only, checked again at each delivery.
   */
  WEBHOOK_ALLOW_PRIVATE: bool.optional(),
  /**
   * Webhook jobs at once per worker process, in a runner of their own beside the email runner
   * (deliveries to one webhook go one at a time whatever this is).
   */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
  /** The first retry of a failed webhook delivery waits this long; each next one twice as long (at most 4 h), for 24 h. */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().default(30),
  /** Seed the sample letters at start-up (idempotent). */
  SEED_ON_START: bool.optional(),
});

export type Config = Readonly<
  Omit<
    z.infer<typeof schema>,
    'BASE_URL' | 'SESSION_SECRET' | 'SEED_ON_START' | 'SECURITY_CONTACT' | 'WEBHOOK_ALLOW_PRIVATE'
  > & {
    BASE_URL: string;
    /** A URI: mailto:, https: or tel:. */
    SECURITY_CONTACT: string;
    /** False when BASE_URL is the development default (http://localhost:PORT), not the site's address. */
    baseUrlSet: boolean;
    SESSION_SECRET: string;
    SEED_ON_START: boolean;
    WEBHOOK_ALLOW_PRIVATE: boolean;
    isProduction: boolean;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads ./.env when present (variables already set win). */
export function loadDotEnv(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

const DEV_SECRET = 'development-only-secret-do-not-use-in-production';

/** RFC 9116 wants a URI, and a web one on https: a bare address becomes a mailto: URI. */
function contactUri(value: string): string | null {
  const v = value.trim();
  if (/^[^\s@:/]+@[^\s@:/]+$/.test(v)) return `mailto:${v}`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return null;
  }
  return ['mailto:', 'https:', 'tel:'].includes(url.protocol) ? v : null;
}

/** The role a postgres:// connection string logs in as; null when it names none (or is no URL). */
export function databaseRole(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user || null;
  } catch {
    return null;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in a .env file mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const isProduction = c.NODE_ENV === 'production';
  if (isProduction) {
    if (!c.SMTP_URL) problems.push('SMTP_URL: required in production (smtp://user:pass@host:587)');
    if (!c.BASE_URL) problems.push('BASE_URL: required in production (the public https:// address of the site)');
    if (!c.SESSION_SECRET) problems.push('SESSION_SECRET: required in production (a long random string)');
  }
  const baseUrl = (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  const securityContact = c.SECURITY_CONTACT
    ? contactUri(c.SECURITY_CONTACT)
    : `mailto:security@${new URL(baseUrl).hostname}`;
  if (c.HEADERS_TIMEOUT_SECONDS > c.REQUEST_TIMEOUT_SECONDS)
    problems.push('HEADERS_TIMEOUT_SECONDS: must not be longer than REQUEST_TIMEOUT_SECONDS');
  if (!securityContact) problems.push('SECURITY_CONTACT: an email address, or a mailto:, https: or tel: URI');
  if (c.DATABASE_TRANSACTION_POOLING && c.ROLE !== 'web' && !c.DATABASE_DIRECT_URL)
    problems.push(
      'DATABASE_DIRECT_URL: required with DATABASE_TRANSACTION_POOLING when this process runs the worker (it needs sessions of its own)',
    );
  if (c.DATABASE_DIRECT_URL && !c.DATABASE_URL)
    problems.push('DATABASE_DIRECT_URL: needs DATABASE_URL too (the connection of the web processes)');
  if (c.MIGRATION_DATABASE_URL) {
    const runtime = databaseRole(c.DATABASE_URL);
    const owner = databaseRole(c.MIGRATION_DATABASE_URL);
    if (!c.DATABASE_URL) problems.push('MIGRATION_DATABASE_URL: needs DATABASE_URL too (the role the app runs as)');
    else if (!runtime)
      problems.push(
        'DATABASE_URL: must name the role the app runs as (postgres://role@host/db) when MIGRATION_DATABASE_URL is set',
      );
    else if (owner !== null && owner === runtime)
      problems.push(
        'MIGRATION_DATABASE_URL: must name another role than DATABASE_URL (the owner migrates, the app runs as a role that owns nothing)',
      );
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    ...c,
    BASE_URL: baseUrl,
    baseUrlSet: c.BASE_URL !== undefined,
    SECURITY_CONTACT: securityContact as string,
    SESSION_SECRET: c.SESSION_SECRET ?? DEV_SECRET,
    SEED_ON_START: c.SEED_ON_START ?? !isProduction,
    WEBHOOK_ALLOW_PRIVATE: c.WEBHOOK_ALLOW_PRIVATE ?? !isProduction,
    isProduction,
  });
}
