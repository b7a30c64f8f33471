import type { Express } from 'express';
import request from 'supertest';

/**
 * What the ALTCHA widget puts in the sign form once it has solved a letter's challenge: the
 * challenge fetched from the site and the answer found by trying, base64 of JSON. Solved here
 * with altcha-lib's own solver, as a browser's worker would.
 */
export async function solvedChallenge(target: Express | string, slug: string): Promise<string> {
  const res = await request(target).get(`/letters/${slug}/challenge`).expect(200);
  const { solveChallenge } = await import('altcha-lib');
  const { deriveKey } = await import('altcha-lib/algorithms/pbkdf2');
  const challenge = res.body as Parameters<typeof solveChallenge>[0]['challenge'];
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('the challenge was not solved');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}
