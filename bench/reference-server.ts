import express from 'express';
import { Pool } from 'pg';

/**
 * The reference the app is measured against, on the same machine in the same run: the least an
 * Express server can do for the same requests. Signing inserts one row with `pg`; confirming
 * (a form POST, as the app's button is) updates one row; the letter page and its JSON are the
 * app's own bytes served as static files.
 */
const port = Number(process.env.REF_PORT ?? '3182');
const pool = new Pool({ connectionString: process.env.REF_DATABASE_URL, max: 10 });
pool.on('error', () => undefined);
const app = express();
app.disable('x-powered-by');
app.use('/static', express.static(process.env.REF_STATIC_DIR ?? '.', { index: false }));
app.post('/sign', express.urlencoded({ extended: false }), async (req, res) => {
  const body = req.body as Record<string, string>;
  await pool.query('INSERT INTO bench_reference (email, full_name) VALUES ($1, $2)', [body.email, body.fullName]);
  res.redirect(303, '/thanks');
});
app.post('/confirm/:id', express.urlencoded({ extended: false }), async (req, res) => {
  await pool.query('UPDATE bench_reference SET confirmed = true WHERE id = $1', [Number(req.params.id)]);
  res.send('confirmed');
});
const server = app.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
