#!/usr/bin/env node
/**
 * The `netns-link` command: name, list and enter network namespaces from a shell, with no `ip`
 * process. Every command's arguments are read with `node:util` `parseArgs` (strict): options
 * may come in any order, before or after the positional arguments, as `--opt value` or
 * `--opt=value`; an unknown option is a usage error. `exec` reads nothing after NAME: that is
 * the command and its arguments, as `ip netns exec` takes them.
 *
 * Exit status:
 * - 0: success (and `--help`, `--version`);
 * - 1: a failure, with a one-line reason on stderr (a NetlinkError's message);
 * - 2: a usage error: unknown command or option, a missing or malformed argument (the library's
 *   RangeError and TypeError for bad input, such as a pid out of range, count as one), and
 *   `netns-link` with no command;
 * - `exec`: the command's own status (128 + N when signal N ended it), or 255 when it could not
 *   be started inside the namespace (as `ip netns exec`);
 * - `monitor`, `cni serve`: 0 when ended by SIGINT or SIGTERM.
 * @internal
 * @packageDocumentation
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Netns } from './netns.js';
import { serve } from './cni/agent.js';
import { DEFAULT_SOCKET, install } from './cni/main.js';
import { HELPER_FAILED } from './process.js';
import { RENDER_FORMATS, type RenderFormat } from './topology/render.js';
import { describeChange, Topology, TopologyError } from './topology/topology.js';
import type { WatchEvent, WatchKind, Watcher } from './watch.js';

const STATUS = `exit status: 0 done; 1 failed (the reason on stderr); 2 usage error`;

const USAGE: Record<string, string> = {
  '': `usage: netns-link <command> [options]
       netns-link --version | --help | help COMMAND

Network namespaces, as iproute2 names them (/run/netns), without ip or nsenter.

commands:
  list [--json]                         named namespaces: name, id, inode, pids inside
  attach NAME PID                       name a running process's namespace (ip netns attach)
  attach NAME --container ID [--socket PATH]
                                        name a Docker container's namespace
  detach NAME                           remove the name; the namespace itself is untouched
  exec NAME [--] COMMAND [ARG...]       run a command inside (ip netns exec)
  monitor [NAME] [--json] [--kinds K,...]
                                        print changes as they happen (ip monitor)
  plan FILE                             what apply would change (a topology, YAML or JSON)
  apply FILE [--dry-run]                make the kernel match the topology, all or nothing
  destroy FILE                          remove what the topology made
  show FILE [--format text|json|dot|mermaid]
                                        the topology's namespaces, bridges and links
  cni install [--dir DIR] [--socket PATH]
                                        the CNI plugins netns-link-bridge and netns-link-ptp (default /opt/cni/bin)
  cni serve [--socket PATH]             the CNI agent, which answers the plugins' calls (agent mode)
  help [COMMAND]                        this text, or one command's

options:
  -h, --help                            usage (of a command: netns-link COMMAND --help)
  -V, --version                         the version of netns-link

Options may come in any order, as --opt VALUE or --opt=VALUE.

exit status:
  0    success
  1    failure; a one-line reason on stderr
  2    usage error: unknown command or option, missing or malformed argument
  exec: the command's own status; 255 when it could not be started inside
  monitor, cni serve: 0 when ended by SIGINT or SIGTERM

Run 'netns-link COMMAND --help' for one command.`,
  list: `usage: netns-link list [--json]

Lists the namespaces named under /run/netns: name, the id the current namespace gives it
(as ip netns list-id; '-' if none), its inode (as lsns -t net) and the pids of processes in it.
With --json, one JSON array of {"name","id","inode","pids"} objects.

${STATUS}`,
  attach: `usage: netns-link attach NAME PID
       netns-link attach NAME --container ID [--socket PATH]

Gives the network namespace of process PID (or of a running Docker container, asked of the
engine at PATH, default /var/run/docker.sock) the name NAME: a bind mount at /run/netns/NAME,
as 'ip netns attach' makes. 'ip netns exec NAME' and 'ip -n NAME' then work in it.

${STATUS}`,
  detach: `usage: netns-link detach NAME

Removes the name /run/netns/NAME. The namespace lives on while a process is in it.

${STATUS}`,
  exec: `usage: netns-link exec NAME [--] COMMAND [ARG...]

Runs COMMAND inside the namespace NAME (with its own /sys and /etc/netns/NAME files, as
'ip netns exec'). Everything after NAME is the command and its arguments, options included
('exec web ip -br link'); a '--' right after NAME is skipped.

exit status: the command's own (128 + N when signal N ended it); 255, with the reason on
stderr, when it could not be started inside (entering the namespace was refused, say), as
'ip netns exec'; 1 when NAME cannot be opened; 2 usage error`,
  monitor: `usage: netns-link monitor [NAME] [--json] [--kinds link,address,route,neighbor,rule]

Prints each change in the namespace NAME (default: the current one) as it happens, one line
each, as 'ip monitor' does: '[LINK] 3: veth0@if2 veth <BROADCAST,MULTICAST,UP,LOWER_UP> ...',
'[ADDR] Deleted 192.0.2.1/24 dev veth0 scope global'. With --json, one JSON object per line:
{"kind":"link","action":"new","object":{...}}. When the kernel drops events it says
'[OVERFLOW]', then prints what changed meanwhile. Ends on Ctrl-C (SIGINT) or SIGTERM.

exit status: 0 when ended by SIGINT or SIGTERM; 1 failed (the reason on stderr); 2 usage error`,
  plan: `usage: netns-link plan FILE

Reads the kernel's state of every namespace the topology FILE (YAML or JSON) names and prints
the changes apply would make, one ip command per line ('nothing to do' when none). Changes
nothing.

${STATUS}`,
  apply: `usage: netns-link apply FILE [--dry-run]

Makes the kernel match the topology FILE: namespaces, bridges, veth pairs, addresses, routes,
sysctls. A second apply changes nothing. If a change fails, everything this apply did is undone
and the failing change is named. On a terminal, progress as changes done / total; in a pipe,
one line per change. --dry-run: print the changes, make none.

${STATUS}`,
  destroy: `usage: netns-link destroy FILE

Removes exactly what the topology FILE made (by its record under /run/netns-link): never an
attached namespace (only its name), never a link it did not make (a namespace holding one is
kept, and said).

${STATUS}`,
  show: `usage: netns-link show FILE [--format text|json|dot|mermaid]

Draws the topology FILE: its namespaces, the interfaces in each, bridges and their ports, veth
pairs. dot is Graphviz ('| dot -Tsvg'), mermaid renders in Markdown.

${STATUS}`,
  cni: `usage: netns-link cni install [--dir DIR] [--socket PATH]
       netns-link cni serve [--socket PATH]

install: puts the CNI plugins netns-link-bridge and netns-link-ptp into DIR (default
/opt/cni/bin), where container runtimes look for plugins: a conflist then says "type":
"netns-link-bridge". Each is a small native program: it hands the call to the agent on PATH
(default ${DEFAULT_SOCKET}) and relays its answer; when no agent answers it runs the call
itself with this node (by its absolute path: runtimes exec plugins without PATH) on this
installation of netns-link. Install again after moving either.

serve: the agent. Listens on PATH (a socket only root can use; its directory is made 0700) and
answers every call of either plugin, in the calling runtime's network namespace and with its
environment, so a runtime cannot tell which mode answered; one line per call on stdout. Ends on
SIGINT or SIGTERM once the calls under way are answered.

${STATUS}`,
  help: `usage: netns-link help [COMMAND]

Prints the general usage, or COMMAND's (as 'netns-link COMMAND --help').`,
};

/** A usage error in command `verb` ('' before any): exit status 2. */
class UsageError extends Error {
  constructor(
    readonly verb: string,
    message: string,
  ) {
    super(message);
  }
}

/** --help or -h was given to command `verb`: its usage, on stdout, and exit status 0. */
class HelpWanted {
  constructor(readonly verb: string) {}
}

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** What the value is, for messages: `PATH`. */
  arg?: string;
}
type Options = Record<string, OptionSpec>;
interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * `args` read by `parseArgs` (strict, positionals allowed) with `spec` and `-h`/`--help`.
 * Throws HelpWanted when help was asked for (even beside a mistake), a UsageError naming the
 * option that is unknown, lacks its value or has one it does not take.
 */
function parse(verb: string, args: string[], spec: Options): Parsed {
  const all: Options = { ...spec, help: { type: 'boolean', short: 'h' } };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [key, o] of Object.entries(all)) options[key] = o.short === undefined ? { type: o.type } : { type: o.type, short: o.short };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as Parsed;
  } catch (e) {
    // Read again, leniently, to say which option is wrong (or find the --help beside it).
    const loose = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
    if (loose.values.help === true) throw new HelpWanted(verb);
    for (const token of loose.tokens) {
      if (token.kind !== 'option') continue;
      const o = all[token.name];
      if (!o) throw new UsageError(verb, `unknown option ${token.rawName}`);
      if (o.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) {
        throw new UsageError(verb, `${token.rawName} needs ${o.arg ?? 'a value'}`);
      }
      if (o.type === 'boolean' && token.value !== undefined) throw new UsageError(verb, `${token.rawName} takes no value`);
    }
    throw new UsageError(verb, (e as Error).message);
  }
  if (parsed.values.help === true) throw new HelpWanted(verb);
  return parsed;
}

function text(values: Parsed['values'], key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

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
  const { values, positionals } = parse('list', args, { json: { type: 'boolean' } });
  if (positionals.length) throw new UsageError('list', `unexpected ${positionals.join(' ')}`);
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
  if (values.json === true) {
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
  const { values, positionals } = parse('attach', args, { container: { type: 'string', arg: 'an ID' }, socket: { type: 'string', arg: 'a PATH' } });
  const [name, pid, ...extra] = positionals;
  if (name === undefined) throw new UsageError('attach', 'NAME is missing');
  if (extra.length) throw new UsageError('attach', `unexpected ${extra.join(' ')}`);
  const id = text(values, 'container');
  const socket = text(values, 'socket');
  let ns: Netns;
  if (id !== undefined) {
    if (pid !== undefined) throw new UsageError('attach', `give a PID or --container ID, not both (${pid})`);
    if (id === '') throw new UsageError('attach', '--container needs an ID');
    if (socket === '') throw new UsageError('attach', '--socket needs a PATH');
    const container = await Netns.fromContainer(id, socket === undefined ? undefined : { socket });
    try {
      ns = await Netns.attach(name, container);
    } finally {
      container.close();
    }
  } else {
    if (socket !== undefined) throw new UsageError('attach', '--socket goes with --container ID');
    if (pid === undefined) throw new UsageError('attach', 'give a PID, or --container ID');
    if (!/^\d+$/u.test(pid)) throw new UsageError('attach', `PID ${JSON.stringify(pid)} is not a number: give a PID, or --container ID`);
    ns = await Netns.attach(name, Number(pid));
  }
  ns.close();
  return 0;
}

async function detach(args: string[]): Promise<number> {
  const { positionals } = parse('detach', args, {});
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('detach', 'NAME is missing');
  if (extra.length) throw new UsageError('detach', `give exactly one NAME, not also ${extra.join(' ')}`);
  await Netns.delete(name);
  return 0;
}

async function exec(args: string[]): Promise<number> {
  // exec's own options stop at NAME: all after it is the command's, never read as ours. A '--'
  // before NAME lets NAME start with '-'; one right after NAME is skipped (as before).
  let at = 0;
  while (at < args.length && args[at]!.startsWith('-') && args[at] !== '-' && args[at] !== '--') at++;
  if (args[at] === '--') at++;
  const { positionals } = parse('exec', args.slice(0, at + 1), {});
  const [name] = positionals;
  if (name === undefined) throw new UsageError('exec', 'NAME is missing: exec NAME [--] COMMAND [ARG...]');
  const after = args.slice(at + 1);
  if (after[0] === '--') after.shift();
  const [command, ...rest] = after;
  if (command === undefined) throw new UsageError('exec', 'COMMAND is missing: exec NAME [--] COMMAND [ARG...]');
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
      process.stderr.write(`netns-link: ${oneLine(e.message)}\n`);
      resolve(HELPER_FAILED);
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
  const { values, positionals } = parse('monitor', args, { json: { type: 'boolean' }, kinds: { type: 'string', arg: 'a list, e.g. link,address' } });
  const [name, ...extra] = positionals;
  if (extra.length) throw new UsageError('monitor', `unexpected ${extra.join(' ')}`);
  const list = text(values, 'kinds');
  if (list === '') throw new UsageError('monitor', '--kinds needs a list, e.g. link,address');
  const kinds = list === undefined ? undefined : (list.split(',') as WatchKind[]);
  const json = values.json === true;
  const ns = name === undefined ? Netns.current() : await Netns.open(name);
  try {
    // A bad kind is a TypeError: a usage error (2), as main() says.
    const watcher: Watcher = await ns.watch(kinds ? { kinds } : undefined);
    // Once signalled, the listeners stay until the process has ended: a repeated signal (Ctrl-C
    // held down) is absorbed, where without a listener its default action would end the process
    // by the signal, not with 0.
    let signalled = false;
    const stop = (): void => {
      signalled = true;
      watcher.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      for await (const e of watcher) {
        const line = monitorLine(e, json);
        if (line !== null) process.stdout.write(`${line}\n`);
      }
    } finally {
      if (!signalled) {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    }
  } finally {
    ns.close();
  }
  return 0;
}

/** The topology FILE of a command; a bad document is a failure (1) listing every problem. */
function topologyOf(verb: string, positionals: string[]): Topology {
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError(verb, 'FILE is missing');
  if (extra.length) throw new UsageError(verb, `give one FILE, not also ${extra.join(' ')}`);
  const source = readFileSync(file, 'utf8');
  try {
    return Topology.parse(source);
  } catch (e) {
    if (e instanceof TopologyError) throw new DocumentError(file, e);
    throw e;
  }
}

/** A topology document that was refused: exit status 1, each problem on its own line. */
class DocumentError extends Error {
  constructor(
    readonly file: string,
    readonly error: TopologyError,
  ) {
    super(`${file}: ${error.message}`);
  }
}

async function plan(args: string[]): Promise<number> {
  const { positionals } = parse('plan', args, {});
  process.stdout.write(`${String(await topologyOf('plan', positionals).plan())}\n`);
  return 0;
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parse('apply', args, { 'dry-run': { type: 'boolean' } });
  const t = topologyOf('apply', positionals);
  const tty = process.stderr.isTTY === true;
  const result = await t.apply({
    dryRun: values['dry-run'] === true,
    onProgress: ({ done, total, change }) => {
      if (tty) process.stderr.write(`\r\x1b[K${done}/${total} ${describeChange(change)}`);
      else process.stdout.write(`${describeChange(change)}\n`);
    },
  });
  if (tty && result.changes.length && !result.dryRun) process.stderr.write('\r\x1b[K');
  if (result.dryRun) for (const c of result.changes) process.stdout.write(`${describeChange(c)}\n`);
  process.stdout.write(`${String(result)}\n`);
  return 0;
}

async function destroy(args: string[]): Promise<number> {
  const { positionals } = parse('destroy', args, {});
  process.stdout.write(`${String(await topologyOf('destroy', positionals).destroy())}\n`);
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse('show', args, { format: { type: 'string', arg: 'FORMAT' } });
  const format = text(values, 'format') ?? 'text';
  if (!(RENDER_FORMATS as readonly string[]).includes(format)) throw new UsageError('show', `--format must be one of ${RENDER_FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  process.stdout.write(`${topologyOf('show', positionals).render(format as RenderFormat)}\n`);
  return 0;
}

async function cni(args: string[]): Promise<number> {
  const { values, positionals } = parse('cni', args, { dir: { type: 'string', arg: 'DIR' }, socket: { type: 'string', arg: 'PATH' } });
  const [sub, ...extra] = positionals;
  if (sub !== 'install' && sub !== 'serve') throw new UsageError('cni', sub === undefined ? 'a subcommand is missing: install or serve' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (extra.length) throw new UsageError('cni', `unexpected ${extra.join(' ')}`);
  const socket = text(values, 'socket') ?? DEFAULT_SOCKET;
  if (sub === 'install') {
    for (const path of install(text(values, 'dir') ?? '/opt/cni/bin', socket)) process.stdout.write(`${path}\n`);
    return 0;
  }
  if (values.dir !== undefined) throw new UsageError('cni', '--dir is an option of cni install');
  const agent = await serve(socket, {
    onCall: (r) => process.stdout.write(`${r.command} netns-link-${r.type} ${r.containerId || '-'}/${r.ifname || '-'} status ${r.status} ${r.ms.toFixed(1)} ms\n`),
  });
  process.stdout.write(`serving on ${agent.path}\n`);
  // The listeners stay until the process has ended, as monitor's do: a repeated signal (Ctrl-C
  // held down, SIGTERM after SIGINT) is absorbed while the agent closes, where its default
  // action would end the process in the middle of a call, and by the signal, not with 0.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  await agent.close();
  return 0;
}

function help(args: string[]): Promise<number> {
  const { positionals } = parse('help', args, {});
  const [verb, ...extra] = positionals;
  if (extra.length) throw new UsageError('help', `unexpected ${extra.join(' ')}`);
  if (verb !== undefined && !Object.hasOwn(COMMANDS, verb)) throw new UsageError('', `unknown command ${JSON.stringify(verb)}`);
  throw new HelpWanted(verb ?? '');
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { list, attach, detach, exec, monitor, plan, apply, destroy, show, cni, help };

/** The version in the package.json beside dist/. */
function version(): string {
  const path = join(__dirname, '..', 'package.json');
  const v = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
  if (typeof v !== 'string') throw new Error(`no version in ${path}`);
  return v;
}

/** A message on one line, as stderr gets it. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/gu, ' ').trim();
}

async function run(argv: string[]): Promise<number> {
  // Options before the command: --version, --help.
  let at = 0;
  while (at < argv.length && argv[at]!.startsWith('-') && argv[at] !== '-') at++;
  const verb = argv[at];
  let top: Parsed;
  try {
    top = parse('', argv.slice(0, at), { version: { type: 'boolean', short: 'V' } });
  } catch (e) {
    // 'netns-link --help list' is 'netns-link list --help'.
    if (e instanceof HelpWanted && verb !== undefined && Object.hasOwn(COMMANDS, verb)) throw new HelpWanted(verb);
    throw e;
  }
  if (top.values.version === true) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (top.positionals.length) throw new UsageError('', `unexpected ${top.positionals.join(' ')}`);
  if (verb === undefined) {
    process.stderr.write(`${USAGE['']}\n`);
    return 2;
  }
  const command = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
  if (!command) throw new UsageError('', `unknown command ${JSON.stringify(verb)}`);
  try {
    return await command(argv.slice(at + 1));
  } catch (e) {
    if (e instanceof DocumentError) throw e;
    // The library's RangeError and TypeError are bad input given on the command line.
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(verb, e.message);
    throw e;
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof HelpWanted) {
      process.stdout.write(`${USAGE[e.verb] ?? USAGE['']}\n`);
      return 0;
    }
    if (e instanceof DocumentError) {
      process.stderr.write(`netns-link: ${e.file}: bad topology document:\n${e.error.problems.map((p) => `  ${p}\n`).join('')}`);
      return 1;
    }
    if (e instanceof UsageError) {
      const { verb } = e;
      process.stderr.write(`netns-link: ${verb ? `${verb}: ` : ''}${oneLine(e.message)}\nRun 'netns-link ${verb ? `${verb} ` : ''}--help'.\n`);
      return 2;
    }
    process.stderr.write(`netns-link: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
}

// A reader that went away ('netns-link monitor | head -3') ends the command, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
