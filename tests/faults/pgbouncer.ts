import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { until } from './harness';

/**
 * Debian's PgBouncer (1.18: no prepared-statement support) in front of the machine's PostgreSQL,
 * as a child process with a configuration of its own. Every database name is passed through to
 * PostgreSQL; `pool_mode` applies to all of them. PgBouncer refuses to run as root, so it runs as
 * the `postgres` system user when started by root (CI).
 */
export interface PgBouncerOptions {
  /** An address, or `*` for every address of the machine (reached here through 127.0.0.1). */
  listenAddr: string;
  port: number;
  poolMode: 'transaction' | 'session';
  /** The PostgreSQL server it forwards to. */
  server?: { host: string; port: number };
  poolSize?: number;
}

export class PgBouncer {
  private child: ChildProcess | null = null;
  private readonly dir: string;
  readonly output: string[] = [];

  constructor(readonly opts: PgBouncerOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-pgbouncer-'));
    fs.chmodSync(this.dir, 0o755);
    const server = opts.server ?? { host: '127.0.0.1', port: 5432 };
    fs.writeFileSync(path.join(this.dir, 'users.txt'), '"postgres" ""\n"root" ""\n', { mode: 0o644 });
    fs.writeFileSync(
      path.join(this.dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${server.host} port=${server.port}`,
        '[pgbouncer]',
        `listen_addr = ${opts.listenAddr}`,
        `listen_port = ${opts.port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${path.join(this.dir, 'users.txt')}`,
        `pool_mode = ${opts.poolMode}`,
        'max_client_conn = 1000',
        `default_pool_size = ${opts.poolSize ?? 20}`,
        'ignore_startup_parameters = extra_float_digits,options',
        'server_login_retry = 1',
        'log_connections = 0',
        'log_disconnections = 0',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
  }

  private get host(): string {
    return this.opts.listenAddr === '*' ? '127.0.0.1' : this.opts.listenAddr;
  }

  /** A database behind it, reached at `host` (by default the address it listens on). */
  urlOf(database: string, host = this.host): string {
    return `postgres://postgres@${host}:${this.opts.port}/${database}`;
  }

  /** Starts it and waits for its port. */
  async start(): Promise<this> {
    const asRoot = process.getuid?.() === 0;
    const args = [...(asRoot ? ['-u', 'postgres'] : []), path.join(this.dir, 'pgbouncer.ini')];
    const bin = fs.existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.child = child;
    await until(
      `PgBouncer on ${this.opts.listenAddr}:${this.opts.port}`,
      () => {
        if (child.exitCode !== null) throw new Error(`PgBouncer exited:\n${this.output.join('')}`);
        return new Promise<boolean>((resolve) => {
          const s = net.connect(this.opts.port, this.host);
          s.on('connect', () => (s.destroy(), resolve(true)));
          s.on('error', () => resolve(false));
        });
      },
      10_000,
      50,
    );
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stopped at once (SIGKILL by default): every client and server connection is cut. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
