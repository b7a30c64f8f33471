import { execFileSync } from 'node:child_process';

/**
 * Hosts as Linux network namespaces on one network: each joined by a veth pair of its own to a
 * bridge in the root namespace (a switch: hosts reach each other without the machine forwarding
 * anything). Host N is 10.77.0.(10+N); the root namespace (the database host's PgBouncer, and
 * HAProxy) is 10.77.0.1.
 * Everything is named with one prefix, so that a run stopped half-way (a failed step, a killed
 * jest) leaves nothing the next run does not remove first.
 */
export const PREFIX = 'usc';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function quiet(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

export interface Host {
  name: string;
  /** The host's own address. */
  address: string;
  /** The root namespace's address as this host reaches it. */
  gateway: string;
}

const BRIDGE = `${PREFIX}br0`;
const GATEWAY = '10.77.0.1';

/** The network's switch, with the root namespace's address on it. */
export function createNetwork(): void {
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('addr', 'add', `${GATEWAY}/24`, 'dev', BRIDGE);
  ip('link', 'set', BRIDGE, 'up');
}

export function createHost(name: string, n: number): Host {
  const ns = `${PREFIX}-${name}`;
  const outside = `${PREFIX}${n}o`;
  const inside = `${PREFIX}${n}i`;
  const address = `10.77.0.${10 + n}`;
  ip('netns', 'add', ns);
  ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
  ip('link', 'set', inside, 'netns', ns);
  ip('link', 'set', outside, 'master', BRIDGE);
  ip('link', 'set', outside, 'up');
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside);
  ip('-n', ns, 'link', 'set', inside, 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  return { name: ns, address, gateway: GATEWAY };
}

/** Kills every process left in our namespaces, then removes the namespaces and their veths. */
export function removeAll(): void {
  const spaces = ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`${PREFIX}-`));
  for (const ns of spaces) {
    let pids: string[] = [];
    try {
      pids = ip('netns', 'pids', ns).split('\n').filter(Boolean);
    } catch {
      // no such namespace any more
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    quiet('netns', 'del', ns);
  }
  // Deleting a namespace deletes its veth ends; the root ends go with them, but a pair whose
  // namespace end was never moved stays: removed by name.
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0])
    .filter((n): n is string => !!n && new RegExp(`^${PREFIX}(\\d+[oi]|br0)$`).test(n));
  for (const link of links) quiet('link', 'del', link);
}

/** Whether anything of ours is left (namespaces or veths). */
export function leftovers(): string[] {
  const spaces = ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`${PREFIX}-`));
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0])
    .filter((n): n is string => !!n && n.startsWith(PREFIX));
  return [...spaces, ...links];
}
