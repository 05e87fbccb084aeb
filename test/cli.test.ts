// The netns-link command, run as a user would: exit status, stdout, one-line errors.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { fakeEngine, namedNetns, runAsNobody, standInContainer, uniqueName } from './helpers';

const bin = join(__dirname, '..', 'dist', 'cli.js');
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const VERBS = ['list', 'attach', 'detach', 'exec', 'monitor', 'help'];

t.test('help for every command: --help, -h, help COMMAND; exit 0', async (t) => {
  for (const flag of ['--help', '-h']) {
    const top = await cli(flag);
    t.equal(top.code, 0, `netns-link ${flag}`);
    t.match(top.stdout, /^usage: netns-link <command>/u);
    for (const verb of VERBS) t.match(top.stdout, new RegExp(`^  ${verb} `, 'mu'), `lists ${verb}`);
    t.match(top.stdout, /^exit status:\n  0 .*\n  1 .*\n  2 .*usage error/mu, 'documents the exit status');
  }
  t.same(await cli('help'), await cli('--help'), 'help is --help');
  for (const verb of VERBS) {
    const usage = new RegExp(`^usage: netns-link ${verb}`, 'u');
    for (const args of [[verb, '--help'], [verb, '-h'], ['help', verb], ['--help', verb]]) {
      const r = await cli(...args);
      t.equal(r.code, 0, `${args.join(' ')}: status 0`);
      t.match(r.stdout, usage, `${args.join(' ')}: ${verb}'s usage`);
      t.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr`);
    }
  }
  // --help anywhere among a command's options, even beside a mistake.
  for (const args of [['attach', 'x', '--container', 'c', '--help'], ['attach', '--bogus', '-h'], ['monitor', '--kinds', 'link', '--help'], ['list', '--json', '-h'], ['exec', '--help', 'x', 'true']]) {
    const r = await cli(...args);
    t.equal(r.code, 0, args.join(' '));
    t.match(r.stdout, new RegExp(`^usage: netns-link ${args[0]}`, 'u'), `${args.join(' ')}: usage`);
  }
  const exec = await cli('exec', '--help');
  t.match(exec.stdout, /255/u, "exec's usage says 255");
  const monitor = await cli('monitor', '--help');
  t.match(monitor.stdout, /SIGTERM/u, "monitor's usage says how it ends");

  const none = await cli();
  t.equal(none.code, 2, 'no command is a usage error');
  t.match(none.stderr, /^usage: netns-link <command>/u, 'with the general usage');
  const bad = await cli('frobnicate');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^netns-link: unknown command "frobnicate"/u);
  const badHelp = await cli('help', 'frobnicate');
  t.equal(badHelp.code, 2, 'help of an unknown command');
  t.match(badHelp.stderr, /^netns-link: unknown command "frobnicate"/u);
});

t.test('--version and -V print the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    t.equal(r.code, 0, flag);
    t.equal(r.stdout, `${version}\n`, `${flag}: ${version}`);
    t.equal(r.stderr, '');
  }
  const bogus = await cli('--bogus');
  t.equal(bogus.code, 2, 'an unknown global option is a usage error');
  t.match(bogus.stderr, /^netns-link: unknown option --bogus\n/u);
  t.equal((await cli('--version=1')).code, 2, '--version takes no value');
});

t.test('attach, list, exec and detach a running process\'s namespace', async (t) => {
  const box = await standInContainer(t);
  const name = uniqueName('cli');
  t.teardown(() => cli('detach', name));
  const attached = await cli('attach', name, String(box.pid));
  t.equal(attached.code, 0, attached.stderr);
  t.equal(statSync(`/run/netns/${name}`).ino, statSync(`/proc/${box.pid}/ns/net`).ino, 'a bind mount of its namespace');

  const listed = await cli('list', '--json');
  t.equal(listed.code, 0);
  const row = (JSON.parse(listed.stdout) as { name: string; inode: number; pids: number[]; id: number | null }[]).find((r) => r.name === name);
  t.ok(row, 'listed');
  t.equal(`net:[${row!.inode}]`, readlinkSync(`/proc/${box.pid}/ns/net`));
  t.ok(row!.pids.includes(box.pid), 'with the pid inside');
  const plain = await cli('list');
  t.match(plain.stdout, new RegExp(`^${name}\\tid .+\\tinode ${row!.inode}\\tpids .*${box.pid}`, 'mu'));

  const inside = await cli('exec', name, '--', 'readlink', '/proc/self/ns/net');
  t.equal(inside.code, 0);
  t.equal(inside.stdout.trim(), readlinkSync(`/proc/${box.pid}/ns/net`));
  const status = await cli('exec', name, '--', 'sh', '-c', 'exit 9');
  t.equal(status.code, 9, 'exec exits with the command\'s status');

  const detached = await cli('detach', name);
  t.equal(detached.code, 0);
  t.notOk(existsSync(`/run/netns/${name}`));
  t.ok(existsSync(`/proc/${box.pid}/ns/net`), 'the namespace itself is untouched');
});

t.test('attach --container asks the engine for the pid; options in any order', async (t) => {
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, { web: { Pid: box.pid, Running: true, Status: 'running' } });
  const orders: string[][] = [
    ['NAME', '--container', 'web', '--socket', socket],
    ['NAME', '--socket', socket, '--container', 'web'],
    ['--socket', socket, 'NAME', '--container', 'web'],
    ['--container=web', '--socket=' + socket, 'NAME'],
    ['--socket=' + socket, 'NAME', '--container', 'web'],
  ];
  for (const order of orders) {
    const name = uniqueName('clictr');
    t.teardown(() => cli('detach', name));
    const args = order.map((a) => (a === 'NAME' ? name : a));
    const r = await cli('attach', ...args);
    t.equal(r.code, 0, `attach ${order.join(' ')}: ${r.stderr}`);
    t.equal(statSync(`/run/netns/${name}`).ino, statSync(`/proc/${box.pid}/ns/net`).ino, 'named the container\'s namespace');
    t.equal((await cli('detach', name)).code, 0);
  }
  const ghost = await cli('attach', uniqueName('x'), '--socket', socket, '--container', 'ghost');
  t.equal(ghost.code, 1);
  t.match(ghost.stderr, /no such container: ghost/);
  t.equal(ghost.stderr.trim().split('\n').length, 1, 'in one line');
  const both = await cli('attach', uniqueName('x'), '--container', 'web', String(box.pid), '--socket', socket);
  t.equal(both.code, 2, 'a PID and --container is a usage error');
  t.match(both.stderr, /not both/u);
});

t.test('exit status 1 for a failure, 2 for a usage error, with the reason on stderr', async (t) => {
  const [ns] = await namedNetns(t, 'clifail');
  const none = uniqueName('none');
  const cases: [string[], number, RegExp][] = [
    // 1: the library's NetlinkError, in one line.
    [['detach', none], 1, /^netns-link: delete netns .*: No such file or directory \(ENOENT\)/u],
    [['attach', ns!.name!, String(process.pid)], 1, /EEXIST/],
    [['exec', none, '--', 'true'], 1, /no namespace named/],
    [['exec', none, 'true'], 1, /no namespace named/],
    [['monitor', none], 1, /no namespace named/],
    [['attach', uniqueName('x'), '--container', 'web', '--socket', '/nonexistent/docker.sock'], 1, /ENOENT.*no Docker engine answers at \/nonexistent\/docker\.sock/u],
    // 2: usage errors: unknown options, missing or malformed arguments.
    [['attach', uniqueName('x'), 'abc'], 2, /give a PID/],
    [['attach', uniqueName('x'), '999999999'], 2, /^netns-link: attach: pid 999999999 is out of range/u],
    [['attach', uniqueName('x'), '0'], 2, /pid 0 is out of range/],
    [['attach', uniqueName('x')], 2, /give a PID, or --container ID/],
    [['attach'], 2, /attach: NAME is missing/],
    [['attach', uniqueName('x'), '--container'], 2, /--container needs an ID/],
    [['attach', uniqueName('x'), '--container', 'web', '--socket'], 2, /--socket needs a PATH/],
    [['attach', uniqueName('x'), '--socket', '/x', String(process.pid)], 2, /--socket goes with --container/],
    [['attach', uniqueName('x'), String(process.pid), '--pid'], 2, /^netns-link: attach: unknown option --pid\n/u],
    [['attach', uniqueName('x'), String(process.pid), 'extra'], 2, /unexpected extra/],
    [['detach'], 2, /detach: NAME is missing/],
    [['detach', 'a', 'b'], 2, /give exactly one NAME/],
    [['detach', '--force', 'a'], 2, /unknown option --force/],
    [['detach', 'a/b'], 2, /must not contain '\/'/],
    [['exec'], 2, /exec: NAME is missing/],
    [['exec', ns!.name!], 2, /exec: COMMAND is missing/],
    [['exec', ns!.name!, '--'], 2, /exec: COMMAND is missing/],
    [['exec', '--user', 'x', ns!.name!, 'true'], 2, /exec: unknown option --user/],
    [['cni'], 2, /cni: a subcommand is missing: install or serve/],
    [['cni', 'start'], 2, /cni: unknown subcommand "start"/],
    [['cni', 'serve', '--dir', '/x'], 2, /--dir is an option of cni install/],
    [['cni', 'install', '--dir', '/tmp/nlt-never', '--socket', 'relative.sock'], 2, /the agent's socket must be an absolute path/],
    [['list', '--bogus'], 2, /^netns-link: list: unknown option --bogus\n/u],
    [['list', '-x'], 2, /unknown option -x/],
    [['list', '--json=yes'], 2, /--json takes no value/],
    [['list', 'extra'], 2, /unexpected extra/],
    [['monitor', '--kinds'], 2, /--kinds needs a list/],
    [['monitor', '--kinds='], 2, /--kinds needs a list/],
    [['monitor', '--kinds', 'bogus'], 2, /kinds\[0\] must be one of link, address/],
    [['monitor', 'a', 'b'], 2, /unexpected b/],
    [['monitor', '--since', 'now'], 2, /unknown option --since/],
    [['help', 'list', 'attach'], 2, /unexpected attach/],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli(...args);
    t.equal(r.code, code, `${args.join(' ')}: status ${code}`);
    t.match(r.stderr, message, `${args.join(' ')}: says why`);
    t.equal(r.stderr.trim().split('\n').length, code, code === 1 ? 'in one line' : 'the reason, then where to look');
    if (code === 2) t.match(r.stderr, new RegExp(`\\nRun 'netns-link ${args[0]} --help'\\.\\n$`, 'u'), 'points at the usage');
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('exec exits 255 when the command cannot be started inside, as ip netns exec', async (t) => {
  const [ns] = await namedNetns(t, 'cli255');
  // As nobody with no capability: the namespace opens, setns() is refused.
  const r = await runAsNobody(bin, 'exec', ns!.name!, '--', 'true');
  t.equal(r.code, 255, 'status 255');
  t.match(r.stderr, new RegExp(`^netns-link: spawn true in netns ${ns!.name}: Operation not permitted \\(EPERM\\) — entering the namespace \\(setns\\)`, 'u'), 'says where and why');
  t.equal(r.stderr.trim().split('\n').length, 1, 'in one line');
  const own = await cli('exec', ns!.name!, '--', 'sh', '-c', 'exit 255');
  t.equal(own.code, 255, 'a command\'s own 255 passes through');
  t.equal(own.stderr, '', 'with nothing added');
});

t.test('exec NAME COMMAND without --, as ip netns exec: the command\'s arguments are never ours', async (t) => {
  const [ns] = await namedNetns(t, 'cliexec');
  const inode = `net:[${ns!.inode}]`;
  const plain = await cli('exec', ns!.name!, 'readlink', '/proc/self/ns/net');
  t.equal(plain.code, 0, plain.stderr);
  t.equal(plain.stdout.trim(), inode, 'runs inside');
  const dashed = await cli('exec', ns!.name!, '--', 'readlink', '/proc/self/ns/net');
  t.equal(dashed.stdout.trim(), inode, 'with -- as before');
  // Options of netns-link, and a second --, go to the command untouched.
  const echo = ['sh', '-c', 'printf "%s|" "$@"', 'sh', '--help', '-h', '-V', '--version', '--json', '--', '--socket=x', '-'];
  const passed = '--help|-h|-V|--version|--json|--|--socket=x|-|';
  const without = await cli('exec', ns!.name!, ...echo);
  t.equal(without.code, 0, without.stderr);
  t.equal(without.stdout, passed, 'every argument after NAME is the command\'s');
  const withDashes = await cli('exec', ns!.name!, '--', ...echo);
  t.equal(withDashes.stdout, passed, 'the same after --');
  const exitStatus = await cli('exec', ns!.name!, 'sh', '-c', 'exit 7');
  t.equal(exitStatus.code, 7, 'the command\'s status, without --');
  const named = await cli('exec', '--', ns!.name!, 'true');
  t.equal(named.code, 0, '-- before NAME');
  const status = await cli('exec', ns!.name!, 'sh', '-c', 'kill -TERM $$');
  t.equal(status.code, 128 + 15, 'killed by a signal: 128 + its number');
});

let bridges = 0;
/** `netns-link monitor ARGS...` until a line on stdout matches `want`, then each of `signals`, back to back. */
function monitorUntil(ns: Netns, args: string[], want: RegExp, signals: NodeJS.Signals[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    // Not yet subscribed at first: make a link every 100 ms until one is seen.
    const poke = setInterval(() => {
      ns.createBridge(`b${bridges++}`).catch((e: unknown) => {
        child.kill('SIGKILL');
        reject(e);
      });
    }, 100);
    const stopAfter = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && want.test(stdout)) {
        sent = true;
        clearInterval(poke);
        for (const signal of signals) child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, sig) => {
      clearInterval(poke);
      clearTimeout(stopAfter);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

t.test('monitor: options in any order; exit 0 on SIGINT, on SIGTERM, and on signals repeated', async (t) => {
  const [ns] = await namedNetns(t, 'climon');
  const json = await monitorUntil(ns!, ['--kinds=link', ns!.name!, '--json'], /"kind":"link"/u, ['SIGTERM']);
  t.equal(json.code, 0, `SIGTERM: status 0 ${json.stderr}`);
  t.equal(json.stderr, '');
  const first = JSON.parse(json.stdout.split('\n')[0]!) as { kind: string; action: string; object: { name: string } };
  t.match(first, { kind: 'link', action: 'new', object: { name: /^b\d+$/u, kind: 'bridge' } }, 'JSON lines');
  t.equal((await cli('monitor', '--json=', ns!.name!)).code, 2, 'a value for --json is a usage error');
  const text = await monitorUntil(ns!, [ns!.name!, '--kinds', 'link'], /^\[LINK\] \d+: b\d+/mu, ['SIGINT']);
  t.equal(text.code, 0, `SIGINT: status 0 ${text.stderr}`);
  t.match(text.stdout, /^\[LINK\] \d+: b\d+ bridge/mu, 'ip monitor lines');
  // Ctrl-C twice, as a key held down: the second signal is absorbed while the watcher ends.
  const twice = await monitorUntil(ns!, [ns!.name!, '--kinds', 'link'], /^\[LINK\] \d+: b\d+/mu, ['SIGINT', 'SIGINT', 'SIGTERM']);
  t.equal(twice.code, 0, `SIGINT, SIGINT, SIGTERM: status 0, not ended by a signal (${String(twice.signal)}) ${twice.stderr}`);
});

t.test('cni serve: SIGINT, SIGINT and SIGTERM back to back end it with 0, its socket removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'agent.sock');
  // In a network namespace of its own (unshare execs node: the signals reach it), as any agent
  // of the tests runs: nothing it could do lands in the host's.
  const child = spawn('unshare', ['--net', process.execPath, bin, 'cni', 'serve', '--socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.startsWith('serving on ')) resolve();
    });
    void ended.then(() => reject(new Error(`cni serve exited before serving: ${stderr}`)));
  });
  t.ok(existsSync(socket), 'serving: its socket is there');
  for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM'] as const) child.kill(signal);
  const [code, signal] = await ended;
  t.equal(code, 0, `status 0, not ended by a signal (${String(signal)}) ${stderr}`);
  t.notOk(existsSync(socket), 'its socket removed');
});
