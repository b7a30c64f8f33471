import path from 'node:path';
import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { findSignableLetter } from '../../core/letters/letters.service';
import { slugParam } from '../../core/letters/letter-request';
import { projectPath } from '../../platform/paths';
import { issueChallenge } from './challenge.service';

/**
 * The ALTCHA files the sign form loads in challenge mode, served from this site (never a CDN):
 * the build without bundled workers (its default build starts its workers from blob: URLs and
 * injects a <style> element, which the Content-Security-Policy refuses), its stylesheet, the
 * PBKDF2 worker as a file of its own, and the widget's texts in our languages. Only these files,
 * not the package's folder.
 */
const ALTCHA_DIST = projectPath('node_modules', 'altcha', 'dist');
const ALTCHA_FILES: Record<string, string> = {
  'altcha.js': 'external/altcha.min.js',
  'altcha.css': 'external/altcha.css',
  'pbkdf2-worker.js': 'workers/pbkdf2.js',
  'i18n-uk.js': 'i18n/uk.js',
  'i18n-ru.js': 'i18n/ru.js',
  'i18n-fr.js': 'i18n/fr-fr.js',
  'i18n-kk.js': 'i18n/kk.js',
};

/** A letter's challenge (JSON, fetched by the widget) and the widget's files. */
export function challengeRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/letters/:slug/challenge', async (req, res) => {
    const letter = await findSignableLetter(ctx.db, slugParam(req));
    const challenge = await issueChallenge(ctx.config, letter.id);
    // Each reader solves their own: no cache may hand one challenge to two people.
    res.set('Cache-Control', 'no-store');
    res.json(challenge);
  });

  r.get('/static/altcha/:file', (req, res, next) => {
    const file = ALTCHA_FILES[String(req.params.file)];
    if (!file) return next();
    res.sendFile(path.join(ALTCHA_DIST, file), { maxAge: '7d' });
  });

  return r;
}
