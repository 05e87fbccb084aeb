// Processes inside a namespace: spawn gives a real ChildProcess, exec resolves or rejects with
// the exit code and stderr; named namespaces get ip netns exec's /sys and /etc/netns; nothing of
// the library is inherited.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { ExecError, Netns } from '../dist/index.js';
import { eventually, namedNetns, standInContainer } from './helpers';

t.test('exec runs a command inside, with arguments passed as they are', async (t) => {
  const [a] = (await namedNetns(t, 'exec')) as [Netns];
  await a.createBridge('br-x', { up: true });
  const { stdout } = await a.exec('ip', ['-j', 'link', 'show']);
  t.same(JSON.parse(stdout).map((l: any) => l.ifname).sort(), ['br-x', 'lo'], 'the command sees this namespace');
  const echoed = await a.exec('printf', ['%s|', 'two words', '$HOME', '; rm -rf /', '*']);
  t.equal(echoed.stdout, 'two words|$HOME|; rm -rf /|*|', 'no shell: nothing expanded or split');
  const input = await a.exec('cat', [], { input: 'from stdin' });
  t.equal(input.stdout, 'from stdin');
});

t.test('exec rejects with the exit code and stderr', async (t) => {
  const [a] = (await namedNetns(t, 'execfail')) as [Netns];
  const e = await a.exec('sh', ['-c', 'echo partial; echo broken >&2; exit 3']).catch((x: unknown) => x);
  t.ok(e instanceof ExecError);
  t.match(e, { exitCode: 3, signal: null, stdout: 'partial\n', stderr: 'broken\n' });
  t.match((e as Error).message, new RegExp(`in netns ${a.name} exited with code 3: broken`));
  const missing = await a.exec('no-such-command-here').catch((x: unknown) => x);
  t.match(missing, { exitCode: 127, stderr: /exec no-such-command-here: No such file or directory/ });
  const slow = await a.exec('sleep', ['5'], { timeout: 100 }).catch((x: unknown) => x);
  t.match(slow, { signal: 'SIGTERM', stderr: /timeout of 100 ms/ });
});

t.test('spawn returns a ChildProcess: stdio, events, kill', async (t) => {
  const [a] = (await namedNetns(t, 'spawn')) as [Netns];
  const child = a.spawn('cat');
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin!.write('ping ');
  child.stdin!.end('pong');
  const [code] = await new Promise<[number | null]>((r) => child.on('close', (c) => r([c])));
  t.equal(code, 0);
  t.equal(out, 'ping pong');
  const sleeper = a.spawn('sleep', ['30']);
  t.ok(await eventually(() => readlinkSync(`/proc/${sleeper.pid}/ns/net`) === `net:[${a.inode}]`), 'the process is in the namespace');
  sleeper.kill('SIGKILL');
  const [, signal] = await new Promise<[number | null, string | null]>((r) => sleeper.on('close', (c, s) => r([c, s])));
  t.equal(signal, 'SIGKILL');
  t.throws(() => a.spawn('sh', ['-c', 'true'], { shell: true } as never), TypeError, 'no shell option');
  t.throws(() => a.spawn('echo', ['a\0b']), TypeError, 'NUL in an argument');
});

t.test('a named namespace gets its own /sys and /etc/netns/NAME files, as ip netns exec', async (t) => {
  const [a] = (await namedNetns(t, 'sysfs')) as [Netns];
  await a.createBridge('only-here');
  const { stdout } = await a.exec('ls', ['/sys/class/net']);
  t.same(stdout.split('\n').filter(Boolean).sort(), ['lo', 'only-here'], '/sys/class/net describes this namespace');
  t.ok(readdirSync('/sys/class/net').includes('eth0') || readdirSync('/sys/class/net').includes('lo'), 'the host\'s /sys is untouched');
  t.notOk(readdirSync('/sys/class/net').includes('only-here'));

  const dir = `/etc/netns/${a.name}`;
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/resolv.conf`, 'nameserver 192.0.2.53\n');
  t.equal((await a.exec('cat', ['/etc/resolv.conf'])).stdout, 'nameserver 192.0.2.53\n', 'its resolv.conf is bound over /etc');
  const mountsOf = (mountinfo: string): number => mountinfo.split('\n').filter((l) => l.split(' ')[4] === '/etc/resolv.conf').length;
  const inChild = mountsOf((await a.exec('cat', ['/proc/self/mountinfo'])).stdout);
  const inParent = mountsOf(readFileSync('/proc/self/mountinfo', 'utf8'));
  t.equal(inChild, inParent + 1, 'bound in the child\'s own mount namespace, not in ours');
});

t.test('an unnamed namespace (a process\'s) changes only the network namespace', async (t) => {
  const box = await standInContainer(t);
  const ns = await Netns.fromPid(box.pid);
  t.teardown(() => ns.close());
  const { stdout } = await ns.exec('readlink', ['/proc/self/ns/net']);
  t.equal(stdout.trim(), readlinkSync(`/proc/${box.pid}/ns/net`));
  t.equal((await ns.exec('readlink', ['/proc/self/ns/mnt'])).stdout.trim(), readlinkSync('/proc/self/ns/mnt'), 'same mount namespace');
});

t.test('the child inherits no namespace descriptor or netlink socket of the library', async (t) => {
  const spaces = (await namedNetns(t, 'fds', 3)) as Netns[];
  await Promise.all(spaces.map((ns) => ns.links())); // sockets open
  const library = new Set(
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((l) => l.startsWith('net:[') || l.startsWith('socket:[')),
  );
  t.ok([...library].filter((l) => l.startsWith('net:[')).length >= 3, 'the library holds namespace fds');
  const { stdout } = await spaces[0]!.exec('sh', ['-c', 'for f in /proc/self/fd/*; do echo "${f##*/} $(readlink $f)"; done']);
  const inherited = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ') as [string, string]);
  for (const [fd, target] of inherited) {
    t.notOk(library.has(target), `fd ${fd} (${target}) is none of the library's`);
    t.notOk(target?.startsWith('net:['), `fd ${fd} is no namespace`);
  }
});
