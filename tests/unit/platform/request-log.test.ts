import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../../src/platform/logger';
import { requestLog } from '../../../src/platform/web/request-log';

/** An app with the request log at `level`, and the lines it writes. */
function appLogging(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use((req, _res, next) => {
    req.id = 'req-1';
    next();
  });
  app.use(requestLog(createLogger(level, out)));
  app.get('/s/confirm/:token', (_req, res) => {
    res.send('ok');
  });
  app.get('/broken', (_req, res) => {
    res.status(500).send('no');
  });
  app.get('/static/site.css', (_req, res) => {
    res.type('css').send('body{}');
  });
  return { app, lines };
}

test('one line per response: id, method, the path with tokens cut and no query string, status and time', async () => {
  const { app, lines } = appLogging('info');
  await request(app)
    .get(`/s/confirm/${'Ab3'.repeat(15)}?email=someone%40example.org`)
    .set('X-Forwarded-For', '203.0.113.7')
    .set('Cookie', 'csrf=secret')
    .expect(200);
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(line.msg).toBe('request completed');
  expect(line.level).toBe(30);
  expect(line.req).toEqual({ id: 'req-1', method: 'GET', url: '/s/confirm/[token]?[query]' });
  expect(line.res).toEqual({ statusCode: 200 });
  expect(typeof line.responseTime).toBe('number');
  const text = JSON.stringify(line);
  for (const secret of ['Ab3Ab3', 'example.org', '203.0.113.7', 'secret']) expect(text).not.toContain(secret);
});

test('a 5xx is "request errored", with the status in the error; static files are not logged', async () => {
  const { app, lines } = appLogging('info');
  await request(app).get('/broken').expect(500);
  await request(app).get('/static/site.css').expect(200);
  expect(lines).toHaveLength(1);
  expect(lines[0].msg).toBe('request errored');
  expect(lines[0].res).toEqual({ statusCode: 500 });
  expect(lines[0].err).toMatchObject({ message: 'failed with status code 500' });
});

test('above info nothing is written (and nothing is done per request)', async () => {
  const { app, lines } = appLogging('warn');
  await request(app).get('/s/confirm/x').expect(200);
  await request(app).get('/broken').expect(500);
  expect(lines).toHaveLength(0);
});
