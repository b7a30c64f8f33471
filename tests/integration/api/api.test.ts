import request from 'supertest';
import { z } from 'zod';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { startTestApp, useTestApp } from '../../support/test-app';
import { apiErrorSchema, letterSchema, signaturePageSchema } from '../../../src/features/api/api.schema';
import type { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';

let owner: Organiser;
let b: Browser;

const t = useTestApp({ API_REQUESTS_PER_TOKEN_PER_MINUTE: '1000' });
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

/** Creates a token on the owners' page and reads it from the page (the one time it is shown). */
async function createToken(letter: Letter, name: string, forDelivery = false): Promise<string> {
  const page = `/organise/letters/${letter.slug}/api`;
  const res = await postForm(b, page, `${page}/tokens`, { name, ...(forDelivery ? { forDelivery: 'on' } : {}) });
  expect(res.status).toBe(201);
  const token = /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(res.text)?.[1];
  expect(token).toBeDefined();
  return token!;
}

const api = (path: string, token?: string) => {
  const r = request(t.app).get(`/api${path}`);
  return token ? r.set('Authorization', `Bearer ${token}`) : r;
};

/** Every JSON answer of the API is checked against the schema the OpenAPI document names for it. */
function matches<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`response does not match its schema: ${JSON.stringify(parsed.error.issues)}`);
  return parsed.data;
}

describe('API tokens on the owners’ page', () => {
  test('an owner creates a token, sees it once, sees its last use, and revokes it; the hash alone is stored', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const token = await createToken(letter, 'Campaign CRM');
    const [row] = await t.db.query<Array<{ token_hash: string; for_delivery: boolean; last_used_at: Date | null }>>(
      `SELECT token_hash, for_delivery, last_used_at FROM api_tokens WHERE letter_id = $1`,
      [letter.id],
    );
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(token);
    expect(row.for_delivery).toBe(false);
    expect(row.last_used_at).toBeNull();

    const list = await b.agent.get(`/organise/letters/${letter.slug}/api`).expect(200);
    expect(list.text).toContain('Campaign CRM');
    expect(list.text).not.toContain(token);
    expect(list.text).toContain('Never');

    await api(`/v1/letters/${letter.slug}`, token).expect(200);
    const [used] = await t.db.query<Array<{ last_used_at: Date | null }>>(
      `SELECT last_used_at FROM api_tokens WHERE letter_id = $1`,
      [letter.id],
    );
    expect(used.last_used_at).not.toBeNull();
    // At most one write a minute: a second request leaves the time as it was.
    await api(`/v1/letters/${letter.slug}`, token).expect(200);
    const [again] = await t.db.query<Array<{ last_used_at: Date }>>(
      `SELECT last_used_at FROM api_tokens WHERE letter_id = $1`,
      [letter.id],
    );
    expect(again.last_used_at.getTime()).toBe(used.last_used_at!.getTime());
    const after = await b.agent.get(`/organise/letters/${letter.slug}/api`).expect(200);
    expect(after.text).not.toMatch(/<td>Never<\/td>/);

    const [{ id }] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM api_tokens WHERE letter_id = $1`, [
      letter.id,
    ]);
    const revoked = await postForm(
      b,
      `/organise/letters/${letter.slug}/api`,
      `/organise/letters/${letter.slug}/api/tokens/${id}/revoke`,
    );
    expect(revoked.status).toBe(303);
    const res = await api(`/v1/letters/${letter.slug}`, token).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.headers['www-authenticate']).toContain('invalid_token');

    const [audit] = await t.db.query<Array<{ kinds: string[] }>>(
      `SELECT array_agg(kind ORDER BY id) AS kinds FROM audit_events WHERE letter_id = $1 AND kind LIKE 'api.%'`,
      [letter.id],
    );
    expect(audit.kinds).toEqual(['api.token-created', 'api.token-revoked']);
  });

  test('a token needs a name: the form says so in the page’s language, with a 422', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const page = `/organise/letters/${letter.slug}/api`;
    const res = await postForm(b, page, `${page}/tokens`, { name: '  ' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please give the token a name.');
  });

  test('editors get neither the tokens nor the webhooks (403, nothing made); nobody signed out does', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const e = await signInAs(t.app, t.smtp, editor.email);
    const base = `/organise/letters/${letter.slug}`;
    for (const path of [`${base}/api`, `${base}/api/webhooks`]) await e.agent.get(path).expect(403);
    for (const [path, form] of [
      [`${base}/api/tokens`, { name: 'sneaky', forDelivery: 'on' }],
      [`${base}/api/webhooks`, { url: 'http://127.0.0.1:4499/x', events: 'signature.confirmed' }],
    ] as const) {
      const res = await postForm(e, base, path, form);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    const [made] = await t.db.query<Array<{ n: string }>>(
      `SELECT (SELECT count(*) FROM api_tokens WHERE letter_id = $1) + (SELECT count(*) FROM webhook_endpoints WHERE letter_id = $1) AS n`,
      [letter.id],
    );
    expect(Number(made.n)).toBe(0);
    const anon = await request(t.app).get(`/organise/letters/${letter.slug}/api`);
    expect(anon.status).toBe(303);
  });
});

describe('the read API', () => {
  test('no token, a malformed or unknown one: 401 with WWW-Authenticate: Bearer, as JSON even for a browser', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    for (const auth of [undefined, 'Basic abc', 'Bearer nope', `Bearer usk_${'A'.repeat(43)}`]) {
      const r = request(t.app).get(`/api/v1/letters/${letter.slug}`).set('Accept', 'text/html');
      const res = await (auth ? r.set('Authorization', auth) : r);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api"/);
      expect(res.type).toBe('application/json');
      matches(apiErrorSchema, res.body);
      expect(res.body.error).toBe('unauthorized');
    }
  });

  test('a token of another letter finds nothing (404), and errors are in the reader’s language', async () => {
    const mine = await aLetterOf(t.db, owner, 'owner');
    const other = await aLetterOf(t.db, owner, 'owner');
    const token = await createToken(mine, 'mine');
    const res = await api(`/v1/letters/${other.slug}/signatures`, token).set('Accept-Language', 'fr').expect(404);
    expect(res.type).toBe('application/json');
    matches(apiErrorSchema, res.body);
    await api(`/v1/letters/no-such-letter`, token).expect(404);
    const unknownPath = await api(`/v1/nothing-here`, token).expect(404);
    expect(unknownPath.type).toBe('application/json');
    const badLimit = await api(`/v1/letters/${mine.slug}/signatures?limit=5000`, token)
      .set('Accept-Language', 'uk')
      .expect(400);
    expect(badLimit.body.message).toBe('Ліміт має бути цілим числом від 1 до 1000.');
    const badCursor = await api(`/v1/letters/${mine.slug}/signatures?after=garbage`, token).expect(400);
    matches(apiErrorSchema, badCursor.body);
  });

  test('the letter: its public facts and the verified count', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { goal: 500 });
    await aSignature(t.db, letter);
    await aSignature(t.db, letter, { status: 'pending' });
    const token = await createToken(letter, 'count');
    const res = await api(`/v1/letters/${letter.slug}`, token).expect(200);
    const body = matches(letterSchema, res.body);
    expect(body).toMatchObject({ slug: letter.slug, goal: 500, verifiedCount: 1, status: 'open' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('paging with cursors reads every verified signature once, in a stable order, up to the limit per page', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const at = Date.parse('2026-03-01T10:00:00Z');
    const ids: string[] = [];
    // Several share one confirmation instant: the id breaks the tie.
    for (let i = 0; i < 23; i++) {
      const s = await aSignature(t.db, letter, {
        fullName: `Signer ${i}`,
        confirmedAt: new Date(at + Math.floor(i / 3) * 1000),
        createdAt: new Date(at - 1000),
      });
      ids.push(s.id);
    }
    await aSignature(t.db, letter, { status: 'pending' });
    await aSignature(t.db, letter, { heldReason: 'burst-ip' });
    const token = await createToken(letter, 'pager');
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await api(
        `/v1/letters/${letter.slug}/signatures?limit=5${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        token,
      ).expect(200);
      const page: z.output<typeof signaturePageSchema> = matches(signaturePageSchema, res.body);
      expect(page.data.length).toBeLessThanOrEqual(5);
      seen.push(...page.data.map((s) => s.id));
      after = page.next;
      pages++;
    } while (after && pages < 20);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set(ids));
    const first = await api(`/v1/letters/${letter.slug}/signatures`, token).expect(200);
    expect(matches(signaturePageSchema, first.body).data.map((s) => s.id)).toEqual(seen);
    expect(first.body.next).toBeNull();
  });

  test('private and hidden signers only for a token made for delivery; initials-only signers as the public list shows them', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    await aSignature(t.db, letter, { fullName: 'Public Person', visibility: 'public', city: 'Lyon', country: 'FR' });
    await aSignature(t.db, letter, {
      fullName: 'Initials Person',
      visibility: 'initials',
      city: 'Kyiv',
      organisation: 'Kyiv Small Clinic',
    });
    await aSignature(t.db, letter, {
      fullName: 'Org Signer',
      visibility: 'initials',
      signedAs: 'organisation',
      organisation: 'Amnesty Kyiv',
    });
    await aSignature(t.db, letter, { fullName: 'Private Person', visibility: 'private' });
    await aSignature(t.db, letter, { fullName: 'Hidden Person', visibility: 'public', hidden: true });
    const publication = await createToken(letter, 'site widget');
    const delivery = await createToken(letter, 'delivery', true);

    const pub = matches(
      signaturePageSchema,
      (await api(`/v1/letters/${letter.slug}/signatures`, publication).expect(200)).body,
    );
    expect(pub.data.map((s) => s.name).sort()).toEqual(['I. P.', 'O. S.', 'Public Person']);
    // An initials-only individual's city and organisation would name them: neither is read.
    expect(pub.data.find((s) => s.name === 'I. P.')).toMatchObject({ city: null, organisation: null });
    expect(pub.data.find((s) => s.name === 'O. S.')!.organisation).toBe('Amnesty Kyiv');
    expect(pub.data.find((s) => s.name === 'Public Person')).toMatchObject({
      country: 'FR',
      countryName: 'France',
      city: 'Lyon',
      source: 'online',
      signedAs: 'individual',
    });

    const del = matches(
      signaturePageSchema,
      (await api(`/v1/letters/${letter.slug}/signatures`, delivery).expect(200)).body,
    );
    expect(del.data.map((s) => s.name).sort()).toEqual([
      'Hidden Person',
      'Initials Person',
      'Org Signer',
      'Private Person',
      'Public Person',
    ]);
  });

  test('a method other than GET on an API route: 405 with Allow, as JSON like every API error', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner');
    const token = await createToken(letter, 'writer');
    for (const [method, path] of [
      ['post', `/api/v1/letters/${letter.slug}/signatures`],
      ['delete', `/api/v1/letters/${letter.slug}`],
      ['put', `/api/v1/letters/${letter.slug}`],
      ['patch', '/api/openapi.json'],
    ] as const) {
      const agent = request(t.app);
      const res = await agent[method](path)
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', 'text/html')
        .set('Accept-Language', 'uk');
      expect({ path, method, status: res.status }).toEqual({ path, method, status: 405 });
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.type).toBe('application/json');
      expect(matches(apiErrorSchema, res.body).error).toBe('method_not_allowed');
      expect(res.body.message).not.toMatch(/methodNotAllowed/);
    }
    // A path that is no route stays 404, whatever the method.
    await request(t.app).post('/api/v1/nothing-here').expect(404);
  });

  test('requests are limited per token (429 with Retry-After, JSON)', async () => {
    const limited = await startTestApp({ API_REQUESTS_PER_TOKEN_PER_MINUTE: '2' }, { worker: false });
    try {
      const letter = await aLetterOf(t.db, owner, 'owner');
      const token = await createToken(letter, 'busy');
      const get = () =>
        request(limited.app).get(`/api/v1/letters/${letter.slug}`).set('Authorization', `Bearer ${token}`);
      await get().expect(200);
      await get().expect(200);
      const res = await get().expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      matches(apiErrorSchema, res.body);
    } finally {
      await limited.close();
    }
  });
});

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1 made from the response schemas, and every path the API serves is in it', async () => {
    const res = await request(t.app).get('/api/openapi.json').expect(200);
    const doc = res.body as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }>
      >;
      components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(Object.keys(doc.paths).sort()).toEqual(['/letters/{slug}', '/letters/{slug}/signatures']);
    // The webhooks' bodies, one per event, each a component.
    const webhooks = (
      res.body as {
        webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
      }
    ).webhooks;
    expect(Object.keys(webhooks).sort()).toEqual([
      'letter.delivered',
      'letter.milestone',
      'response.received',
      'signature.confirmed',
      'signature.withdrawn',
      'webhook.test',
    ]);
    for (const w of Object.values(webhooks))
      expect(w.post.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\/\w+Event$/);
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    // Every $ref points at a component, and every component is the JSON Schema of its zod schema.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name]).toBeTruthy();
    }
    const asJson = (s: z.ZodType) => {
      // A schema with an id comes out as a reference to its own definition.
      const out = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'output' }) as {
        $ref?: string;
        $defs?: Record<string, Record<string, unknown>>;
      };
      const { id: _id, ...rest } = out.$defs![out.$ref!.replace('#/$defs/', '')];
      return rest;
    };
    expect(doc.components.schemas.Letter).toEqual(asJson(letterSchema));
    expect(doc.components.schemas.Error).toEqual(asJson(apiErrorSchema));
    expect(doc.components.schemas.SignaturePage).toMatchObject({ type: 'object', required: ['data', 'next'] });
    for (const op of Object.values(doc.paths).flatMap((p) => Object.values(p))) {
      expect(op.responses['200'].content?.['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
      expect(op.responses['401'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/Error');
      // The headers a client acts on are declared, not only described.
      const headers = (code: string) =>
        (op.responses[code] as { headers?: Record<string, { schema?: { type?: string } }> }).headers ?? {};
      expect(headers('401')['WWW-Authenticate']?.schema?.type).toBe('string');
      expect(headers('429')['Retry-After']?.schema?.type).toBe('integer');
    }
  });

  test('needs no token, session or CSRF, and sets no cookie', async () => {
    const res = await request(t.app).get('/api/openapi.json').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
