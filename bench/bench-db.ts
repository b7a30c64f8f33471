import { Client } from 'pg';

/** One statement on a connection of its own (the benches' setup and read-outs, never the load). */
export async function sql<R extends object = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** An open letter in English with a long body and a goal no run reaches: its id. */
export async function createBenchLetter(url: string, slug: string): Promise<string> {
  const [l] = await sql<{ id: string }>(
    url,
    `INSERT INTO letters (slug, status, goal) VALUES ($1, 'open', 10000000) RETURNING id`,
    [slug],
  );
  await sql(
    url,
    `INSERT INTO letter_translations (letter_id, language, title, summary, body, recipient)
     VALUES ($1, 'en', $2, 'A letter for the benchmark.', $3, 'The Minister')`,
    [l.id, `Benchmark letter ${slug}`, 'We, the undersigned, ask for **justice**.\n\n'.repeat(20)],
  );
  return l.id;
}
