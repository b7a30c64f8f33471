import type { Request, RequestHandler, Router } from 'express';
import type { AppContext } from './context';
import type { EntityList } from './db/data-source';
import type { AppError } from './web/errors';
import type { FeatureJobs, JobDeps } from './mail/queue';

/**
 * What features hand each other through the app, when the one that needs a thing may not import
 * the one that has it (a feature lower in the plan needs a page or a panel from one above).
 * Empty here: the feature that needs a thing declares it by augmenting this interface
 * (`declare module '…/platform/feature' { interface Provided { … } }`), the feature that has it
 * returns it from `provide`. Array values from several features are joined.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Provided {}

/** An upload route: refused on its headers before its body is read (platform/web/upload-guard.ts), then parsed. */
export interface UploadRoute {
  path: string;
  maxBodyBytes: number;
  tooLarge: () => AppError;
  /** Checks after the CSRF token: sign-in, the network's byte budget, a live link. */
  checks?: RequestHandler[];
  parser: RequestHandler;
}

/** Where a feature's handlers go in the request's path through the app (src/app/app.ts). */
export interface FeatureRoutes {
  /** First of all, after the request id: measuring middleware. */
  first?: RequestHandler[];
  /**
   * Public GET reads that are cached and read thousands of times a second: before the request
   * log, sessions, CSRF and body parsers; only the reader's language is worked out for them.
   */
  fast?: Array<{ path: string; handler: RequestHandler }>;
  /** Before compression, sessions, CSRF and body parsers: health checks and metrics. */
  early?: Router[];
  /** After compression and the static files, before body parsers and sessions: crawlers' files. */
  public?: Router[];
  /** Bearer-token APIs: after the body parsers, before the flood limit, sessions and CSRF. */
  api?: Array<{ path: string; router: Router }>;
  /** Uploads, each refused before it is read. */
  uploads?: UploadRoute[];
  /** Headers for a path, set before CSRF (for example: no caching, no referrer). */
  headers?: Array<{ path: string; handler: RequestHandler }>;
  /** Pages and forms: after sessions and CSRF, in the order of the feature list. */
  pages?: Router[];
}

/** Requests a feature takes out of the app-wide checks, each with its own reason at its definition. */
export interface FeatureExemptions {
  /** Not counted by the per-network POST flood limit. */
  flood?: (req: Request) => boolean;
  /** Counted by the feature itself, with its own counters. */
  countsItsOwnFlood?: (req: Request) => boolean;
  /** Authorised by something other than the CSRF token (an unguessable token in the path). */
  csrf?: (req: Request) => boolean;
}

/**
 * A feature, as its folder's index.ts describes it to the app: what it stores, serves and runs.
 * The app composes the list (src/app/features.ts); adding a feature is its folder and one line.
 */
export interface Feature {
  /** The folder's name under src/features/. */
  name: string;
  /** TypeORM entities it owns. */
  entities?: EntityList;
  /** Its job tasks, crontab lines and chores (run by the worker). */
  jobs?: (deps: JobDeps) => FeatureJobs;
  /** Its folders under views/ and its namespaces in locales/<lang>/. */
  views?: string[];
  messages?: string[];
  /** What it hands to other features (see Provided). */
  provide?: (ctx: AppContext) => Partial<Provided>;
  routes?: (ctx: AppContext, provided: Provided) => FeatureRoutes;
  exemptions?: FeatureExemptions;
}

/** Everything the features provide, arrays joined; a missing value is an error of composition. */
export function collectProvided(features: Feature[], ctx: AppContext): Provided {
  const all: Record<string, unknown> = {};
  for (const f of features) {
    for (const [key, value] of Object.entries(f.provide?.(ctx) ?? {})) {
      const before = all[key];
      if (before === undefined) all[key] = value;
      else if (Array.isArray(before) && Array.isArray(value)) all[key] = [...(before as unknown[]), ...value];
      else throw new Error(`two features provide ${key}`);
    }
  }
  return all;
}
