#!/usr/bin/env node
/**
 * The `netns-link` command: name, list and enter network namespaces from a shell, with no `ip`
 * process. Exit status 0 on success; 1 with a one-line reason on stderr on failure; 2 for a
 * usage error; `exec` exits with the command's own status, or 255 when the command could not be
 * started inside the namespace (as `ip netns exec`).
 * @internal
 * @packageDocumentation
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { Netns } from './netns.js';
import type { WatchEvent, WatchKind, Watcher } from './watch.js';

const USAGE: Record<string, string> = {
  '': `usage: netns-link <command> [options]

Network namespaces, as iproute2 names them (/run/netns), without ip or nsenter.

commands:
  list [--json]                         named namespaces: name, id, inode, pids inside
  attach NAME PID                       name a running process's namespace (ip netns attach)
  attach NAME --container ID [--socket PATH]
                                        name a Docker container's namespace
  detach NAME                           remove the name; the namespace itself is untouched
  exec NAME -- COMMAND [ARG...]         run a command inside (ip netns exec)
  monitor [NAME] [--json] [--kinds K,...]
                                        print changes as they happen (ip monitor)

Run 'netns-link COMMAND --help' for one command.`,
  list: `usage: netns-link list [--json]

Lists the namespaces named under /run/netns: name, the id the current namespace gives it
(as ip netns list-id; '-' if none), its inode (as lsns -t net) and the pids of processes in it.`,
  attach: `usage: netns-link attach NAME PID
       netns-link attach NAME --container ID [--socket PATH]

Gives the network namespace of process PID (or of a running Docker container, asked of the
engine at PATH, default /var/run/docker.sock) the name NAME: a bind mount at /run/netns/NAME,
as 'ip netns attach' makes. 'ip netns exec NAME' and 'ip -n NAME' then work in it.`,
  detach: `usage: netns-link detach NAME

Removes the name /run/netns/NAME. The namespace lives on while a process is in it.`,
  exec: `usage: netns-link exec NAME -- COMMAND [ARG...]

Runs COMMAND inside the namespace NAME (with its own /sys and /etc/netns/NAME files, as
'ip netns exec'), and exits with its status; 255, with the reason on stderr, when it could not
be started inside (entering the namespace was refused, say), as 'ip netns exec' does.`,
  monitor: `usage: netns-link monitor [NAME] [--json] [--kinds link,address,route,neighbor,rule]

Prints each change in the namespace NAME (default: the current one) as it happens, one line
each, as 'ip monitor' does: '[LINK] 3: veth0@if2 veth <BROADCAST,MULTICAST,UP,LOWER_UP> ...',
'[ADDR] Deleted 192.0.2.1/24 dev veth0 scope global'. With --json, one JSON object per line:
{"kind":"link","action":"new","object":{...}}. When the kernel drops events it says
'[OVERFLOW]', then prints what changed meanwhile. Ends on Ctrl-C (SIGINT) or SIGTERM, with 0.`,
};

class UsageError extends Error {}

function pidsIn(inode: number): number[] {
  const want = `net:[${inode}]`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === want) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids.sort((a, b) => a - b);
}

async function list(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const extra = args.filter((a) => a !== '--json');
  if (extra.length) throw new UsageError(`list: unexpected ${extra.join(' ')}`);
  const host = Netns.current();
  const rows: { name: string; id: number | null; inode: number | null; pids: number[]; error?: string }[] = [];
  try {
    for (const name of await Netns.list()) {
      try {
        const ns = await Netns.open(name);
        try {
          rows.push({ name, id: await host.nsidOf(ns), inode: ns.inode, pids: pidsIn(ns.inode) });
        } finally {
          ns.close();
        }
      } catch (e) {
        rows.push({ name, id: null, inode: null, pids: [], error: (e as Error).message });
      }
    }
  } finally {
    host.close();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } else {
    for (const r of rows) {
      const id = r.id === null ? '-' : String(r.id);
      process.stdout.write(`${r.name}\tid ${id}\tinode ${r.inode ?? '-'}\tpids ${r.pids.join(',') || '-'}${r.error ? `\t(${r.error})` : ''}\n`);
    }
  }
  return 0;
}

async function attach(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name) throw new UsageError('attach: NAME is missing');
  let ns: Netns;
  if (rest[0] === '--container') {
    const id = rest[1];
    if (!id) throw new UsageError('attach: --container needs an ID');
    let socket: string | undefined;
    if (rest[2] === '--socket') {
      socket = rest[3];
      if (!socket) throw new UsageError('attach: --socket needs a PATH');
    } else if (rest.length > 2) throw new UsageError(`attach: unexpected ${rest.slice(2).join(' ')}`);
    const container = await Netns.fromContainer(id, socket ? { socket } : undefined);
    try {
      ns = await Netns.attach(name, container);
    } finally {
      container.close();
    }
  } else {
    if (rest.length !== 1 || !/^\d+$/u.test(rest[0]!)) throw new UsageError('attach: give a PID, or --container ID');
    ns = await Netns.attach(name, Number(rest[0]));
  }
  ns.close();
  return 0;
}

async function detach(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('detach: give exactly one NAME');
  await Netns.delete(args[0]!);
  return 0;
}

async function exec(args: string[]): Promise<number> {
  const [name, dashes, command, ...rest] = args;
  if (!name || dashes !== '--' || !command) throw new UsageError('exec: NAME -- COMMAND [ARG...]');
  const ns = await Netns.open(name);
  let child: ReturnType<Netns['spawn']>;
  try {
    child = ns.spawn(command, rest, { stdio: 'inherit' });
  } finally {
    ns.close();
  }
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  return new Promise((resolve) => {
    let done = false;
    // The command never ran (the helper could not enter the namespace, or no process could be
    // started): say why, and exit 255 as ip netns exec does. It comes before 'close'.
    child.on('error', (e) => {
      if (done) return;
      done = true;
      process.stderr.write(`netns-link: ${e.message}\n`);
      resolve(255);
    });
    child.on('close', (code, signal) => {
      if (done) return;
      done = true;
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

const TAGS: Record<string, string> = { link: 'LINK', address: 'ADDR', route: 'ROUTE', neighbor: 'NEIGH', rule: 'RULE' };

/** One event as `ip monitor` prints it, or as one line of JSON. */
function monitorLine(e: WatchEvent, json: boolean): string | null {
  if (json) return JSON.stringify(e.kind === 'overflow' || e.kind === 'synced' ? { kind: e.kind } : { kind: e.kind, action: e.action, object: e.object });
  if (e.kind === 'synced') return null;
  if (e.kind === 'overflow') return '[OVERFLOW] the kernel dropped events; what changed meanwhile follows';
  return `[${TAGS[e.kind]}] ${e.action === 'delete' ? 'Deleted ' : ''}${String(e.object)}`;
}

async function monitor(args: string[]): Promise<number> {
  let json = false;
  let kinds: WatchKind[] | undefined;
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--kinds') {
      const list = args[++i];
      if (!list) throw new UsageError('monitor: --kinds needs a list, e.g. link,address');
      kinds = list.split(',') as WatchKind[];
    } else if (a.startsWith('-')) throw new UsageError(`monitor: unknown option ${a}`);
    else if (name === undefined) name = a;
    else throw new UsageError(`monitor: unexpected ${a}`);
  }
  const ns = name === undefined ? Netns.current() : await Netns.open(name);
  try {
    let watcher: Watcher;
    try {
      watcher = await ns.watch(kinds ? { kinds } : undefined);
    } catch (e) {
      if (e instanceof TypeError) throw new UsageError(`monitor: ${e.message}`);
      throw e;
    }
    const stop = (): void => watcher.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for await (const e of watcher) {
        const line = monitorLine(e, json);
        if (line !== null) process.stdout.write(`${line}\n`);
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  } finally {
    ns.close();
  }
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { list, attach, detach, exec, monitor };

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(`${USAGE['']}\n`);
    return verb === undefined ? 2 : 0;
  }
  const run = COMMANDS[verb];
  if (!run) throw new UsageError(`unknown command ${JSON.stringify(verb)}`);
  // exec passes everything after -- to the command, --help included.
  const own = verb === 'exec' && args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${USAGE[verb]}\n`);
    return 0;
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`netns-link: ${e.message}\n${USAGE[process.argv[2] ?? ''] ? `Run 'netns-link ${process.argv[2]} --help'.` : "Run 'netns-link --help'."}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`netns-link: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
