import type { RequestHandler } from 'express';
import type { AppContext } from '../../platform/context';
import { findPublicLetter } from '../../core/letters/letters.service';
import { slugParam } from '../../core/letters/letter-request';
import { prepareBody, prepareJson, sendPrepared, type PreparedBody } from '../../platform/web/cached-response';
import { MicroCache } from '../../platform/web/micro-cache';
import { countHistory, historyCsv } from './history.service';

/**
 * Shared as long as the letter's JSON and for the same reason: on a viral day scripts and
 * dashboards poll the history as often as the count, and each would otherwise cost a read.
 */
const HISTORY_CACHE_SECONDS = 1;
const HISTORY_CACHE_CONTROL = `public, max-age=${HISTORY_CACHE_SECONDS}, stale-while-revalidate=5`;

/**
 * `/letters/<slug>/history.json` and `/letters/<slug>/history.csv`: the count's history as open
 * data, one body per letter and format a second, already gzipped, 304 for a reader who has it.
 * Mounted with the letter's JSON, ahead of the sessions and body parsers it does not use.
 */
export function historyRoutes(ctx: AppContext): { json: RequestHandler; csv: RequestHandler } {
  const bodies = new MicroCache<PreparedBody>(HISTORY_CACHE_SECONDS * 1000);

  function load(slug: string, format: 'json' | 'csv'): Promise<PreparedBody> {
    return bodies.get(`${slug}|${format}`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      const history = await countHistory(ctx.db, letter);
      return format === 'json' ? prepareJson(history) : prepareBody(historyCsv(history), 'text/csv; charset=utf-8');
    });
  }

  return {
    json: async (req, res) => {
      const body = await load(slugParam(req), 'json');
      res.set('Cache-Control', HISTORY_CACHE_CONTROL);
      sendPrepared(req, res, body);
    },
    csv: async (req, res) => {
      const slug = slugParam(req);
      const body = await load(slug, 'csv');
      res.set('Cache-Control', HISTORY_CACHE_CONTROL);
      res.attachment(`${slug}-history.csv`);
      sendPrepared(req, res, body);
    },
  };
}
