import { z } from 'zod';
import { WEBHOOK_PAYLOADS } from '../webhooks';
import {
  apiErrorSchema,
  letterSchema,
  signaturePageSchema,
  signatureSchema,
  signaturesQuerySchema,
} from './api.schema';

type JsonObject = Record<string, unknown>;

/** A component from its zod schema, as JSON Schema 2020-12 (OpenAPI 3.1's dialect), references to the others by $ref. */
function components(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of [
    ['Letter', letterSchema],
    ['Signature', signatureSchema],
    ['SignaturePage', signaturePageSchema],
    ['Error', apiErrorSchema],
  ] as const) {
    registry.add(schema, { id });
  }
  for (const schema of Object.values(WEBHOOK_PAYLOADS)) registry.add(schema, { id: schema.meta()!.id! });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  }) as {
    schemas: Record<string, JsonObject>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, id: _id, ...rest } = s;
      return [id, rest];
    }),
  );
}

function param(name: string, schema: z.ZodType, where: 'query' | 'path', required: boolean): JsonObject {
  const {
    $schema: _s,
    description,
    ...s
  } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonObject;
  return { name, in: where, required, ...(description ? { description } : {}), schema: s };
}

const json = (ref: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const errors = {
  '401': {
    ...json('Error', 'No token, or an unknown or revoked one.'),
    headers: {
      'WWW-Authenticate': {
        description:
          'The bearer challenge (RFC 6750): `Bearer realm="api"`, with `error="invalid_token"` when a token was sent but is unknown or revoked.',
        required: true,
        schema: { type: 'string' },
      },
    },
  },
  '404': json('Error', 'No such letter, or the token is for another letter.'),
  '429': {
    ...json('Error', 'Too many requests with this token.'),
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before trying again.',
        required: true,
        schema: { type: 'integer', minimum: 1 },
      },
    },
  },
};

let cached: JsonObject | null = null;

/** The OpenAPI 3.1 document of the read API, generated from the schemas the responses are checked with. */
export function openApiDocument(baseUrl: string): JsonObject {
  cached ??= {
    openapi: '3.1.1',
    info: {
      title: 'Undersigned read API',
      version: '1.0.0',
      description:
        'Read a letter and its verified signatures with a per-letter token (created by the letter’s owners). ' +
        'Tokens "for delivery" read every signer’s full name, as the delivery export does; others read names as the public list shows them, and no private or hidden signer. ' +
        'Every route answers GET (and HEAD) only: another method gets 405 with an `Allow` header. ' +
        'Webhook bodies write every time as ISO 8601 UTC with milliseconds and Z; a `signature.confirmed` event for a signer not on the public list carries the signature’s id alone.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: `${baseUrl}/api/v1` }],
    security: [{ bearer: [] }],
    paths: {
      '/letters/{slug}': {
        get: {
          operationId: 'getLetter',
          summary: 'The letter and its verified count',
          parameters: [param('slug', z.string(), 'path', true)],
          responses: { '200': json('Letter', 'The letter.'), ...errors },
        },
      },
      '/letters/{slug}/signatures': {
        get: {
          operationId: 'listSignatures',
          summary: 'Verified signatures, oldest confirmation first, a page at a time',
          parameters: [
            param('slug', z.string(), 'path', true),
            param('after', signaturesQuerySchema.shape.after.unwrap(), 'query', false),
            param(
              'limit',
              z
                .number()
                .int()
                .min(1)
                .max(1000)
                .default(100)
                .describe(signaturesQuerySchema.shape.limit.description ?? ''),
              'query',
              false,
            ),
          ],
          responses: {
            '200': json('SignaturePage', 'One page; follow `next` until it is null.'),
            '400': json('Error', 'A bad cursor or limit.'),
            ...errors,
          },
        },
      },
    },
    // What the letter's webhooks POST (signed: see the README), one schema per event.
    webhooks: Object.fromEntries(
      Object.entries(WEBHOOK_PAYLOADS).map(([type, schema]) => [
        type,
        {
          post: {
            summary: schema.meta()?.description,
            parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
              name,
              in: 'header',
              required: true,
              schema: { type: 'string' },
            })),
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema.meta()!.id!}` } } },
            },
            responses: {
              '2XX': {
                description:
                  'Received. Anything else, no connection within 3 s or no answer within 10 s, is retried for 24 hours; a webhook whose deliveries keep failing for 24 hours is disabled until an owner enables it again.',
              },
            },
          },
        },
      ]),
    ),
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token of the letter: `Authorization: Bearer usk_…`',
        },
      },
    },
  };
  return cached;
}
