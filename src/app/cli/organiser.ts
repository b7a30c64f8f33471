import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { apiTokensOfMember } from '../../features/api';
import { findLetterBySlug } from '../../core/letters/letters.service';
import {
  addOrganiser,
  grantRole,
  LETTER_ROLES,
  type LetterRole,
  type MemberAccessFn,
  normaliseOrganiserEmail,
  OrganiserInputError,
  setAdmin,
} from '../../core/access';
import { recipientLinksOfMember } from '../../features/recipients';
import { webhooksOfMember } from '../../features/webhooks';
import { withApp } from './bootstrap';

const USAGE = `Usage:
  npm run organiser -- add <email> [--name "Full Name"] [--admin]
  npm run organiser -- admin <email>
  npm run organiser -- unadmin <email>
  npm run organiser -- grant <email> <letter-slug> owner|editor

--admin (or admin) makes the organiser an admin of the instance (/admin); unadmin takes it back.

Making an owner an editor revokes the API tokens and recipient links they created on the
letter and removes their webhooks (each in the letter's audit trail, by the platform).`;

/** What an owner handed out on a letter, named as the owners' confirmation page names it. */
const HANDED_OUT: Array<{ label: string; list: MemberAccessFn }> = [
  { label: 'API token', list: apiTokensOfMember },
  { label: 'recipient link', list: recipientLinksOfMember },
  { label: 'webhook', list: webhooksOfMember },
];

/** When this grant takes an owner's role away: what it will end, one line each. */
async function endedByGrant(db: DataSource, email: string, slug: string, role: LetterRole): Promise<string[]> {
  if (role === 'owner') return [];
  const letter = await findLetterBySlug(db, slug);
  const [member] = await db.query<Array<{ organiser_id: string; role: LetterRole }>>(
    `SELECT lo.organiser_id, lo.role FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id WHERE lo.letter_id = $1 AND o.email = $2`,
    [letter?.id ?? null, normaliseOrganiserEmail(email)],
  );
  if (!letter || member?.role !== 'owner') return [];
  const lines: string[] = [];
  for (const kind of HANDED_OUT) {
    for (const item of (await kind.list(db, letter.id, member.organiser_id)).items)
      lines.push(`${kind.label}: ${item}`);
  }
  return lines;
}

class UsageError extends Error {}

type Command =
  | { kind: 'add'; email: string; name?: string; admin: boolean }
  | { kind: 'admin'; email: string; admin: boolean }
  | { kind: 'grant'; email: string; slug: string; role: LetterRole };

function parse(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, admin: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) throw new UsageError('');
  const [command, ...rest] = positionals;
  if (command === 'add') {
    if (rest.length !== 1) throw new UsageError('add takes exactly one email address');
    return { kind: 'add', email: rest[0], name: values.name, admin: values.admin === true };
  }
  if (command === 'admin' || command === 'unadmin') {
    if (values.name !== undefined || values.admin !== undefined) throw new UsageError(`${command} takes no options`);
    if (rest.length !== 1) throw new UsageError(`${command} takes exactly one email address`);
    return { kind: 'admin', email: rest[0], admin: command === 'admin' };
  }
  if (command === 'grant') {
    if (values.name !== undefined || values.admin !== undefined) throw new UsageError('grant takes no options');
    if (rest.length !== 3) throw new UsageError('grant takes an email address, a letter slug and a role');
    const [email, slug, role] = rest as [string, string, string];
    if (!(LETTER_ROLES as readonly string[]).includes(role))
      throw new UsageError(`the role must be owner or editor, not "${role}"`);
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
        if (command.admin) await setAdmin(db, organiser.email, true);
        process.stdout.write(
          `${created ? 'Added' : 'Already there:'} ${command.admin || organiser.isAdmin ? 'admin' : 'organiser'} ${organiser.email}${organiser.name ? ` (${organiser.name})` : ''}\n`,
        );
      } else if (command.kind === 'admin') {
        const organiser = await setAdmin(db, command.email, command.admin);
        if (!organiser) throw new OrganiserInputError(`no organiser with the address ${command.email} (add one first)`);
        process.stdout.write(`${organiser.email} is ${command.admin ? 'now' : 'no longer'} an admin of the instance\n`);
      } else {
        const ended = await endedByGrant(db, command.email, command.slug, command.role);
        const { organiser, letter } = await grantRole(db, command.email, command.slug, command.role);
        process.stdout.write(`${organiser.email} is now ${command.role} of ${letter.slug}\n`);
        for (const line of ended) process.stdout.write(`  revoked ${line}\n`);
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
