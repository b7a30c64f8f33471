import { parseArgs } from 'node:util';
import { addOrganiser, grantRole, LETTER_ROLES, type LetterRole, OrganiserInputError } from '../organisers';
import { withApp } from './bootstrap';

const USAGE = `Usage:
  npm run organiser -- add <email> [--name "Full Name"]
  npm run organiser -- grant <email> <letter-slug> owner|editor`;

class UsageError extends Error {}

type Command = { kind: 'add'; email: string; name?: string } | { kind: 'grant'; email: string; slug: string; role: LetterRole };

function parse(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) throw new UsageError('');
  const [command, ...rest] = positionals;
  if (command === 'add') {
    if (rest.length !== 1) throw new UsageError('add takes exactly one email address');
    return { kind: 'add', email: rest[0], name: values.name };
  }
  if (command === 'grant') {
    if (values.name !== undefined) throw new UsageError('grant takes no --name');
    if (rest.length !== 3) throw new UsageError('grant takes an email address, a letter slug and a role');
    const [email, slug, role] = rest as [string, string, string];
    if (!(LETTER_ROLES as readonly string[]).includes(role)) throw new UsageError(`the role must be owner or editor, not "${role}"`);
    return { kind: 'grant', email, slug, role: role as LetterRole };
  }
  throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
}

function parseOrExit(argv: string[]): Command {
  try {
    return parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `organiser: ${e.message}\n\n` : ''}${USAGE}\n`);
    process.exit(64); // EX_USAGE
  }
}

/** npm run organiser: adds organisers and gives them roles on letters. */
const command = parseOrExit(process.argv.slice(2));

void withApp(
  async ({ db }) => {
    try {
      if (command.kind === 'add') {
        const { organiser, created } = await addOrganiser(db, command.email, command.name);
        process.stdout.write(`${created ? 'Added' : 'Already there:'} organiser ${organiser.email}${organiser.name ? ` (${organiser.name})` : ''}\n`);
      } else {
        const { organiser, letter } = await grantRole(db, command.email, command.slug, command.role);
        process.stdout.write(`${organiser.email} is now ${command.role} of ${letter.slug}\n`);
      }
      return 0;
    } catch (e) {
      if (e instanceof OrganiserInputError) {
        process.stderr.write(`organiser: ${e.message}\n`);
        return 65; // EX_DATAERR
      }
      throw e;
    }
  },
  { name: 'organiser', quiet: true },
);
