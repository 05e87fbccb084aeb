// Processes inside a namespace: spawn gives a real ChildProcess, exec resolves or rejects with
// the exit code and stderr; named namespaces get ip netns exec's /sys and /etc/netns; nothing of
// the library is inherited.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ExecError, NetlinkError, Netns } from '../dist/index.js';
import { eventually, namedNetns, pidsInNamespace, runAsNobody, runCaptured, standInContainer } from './helpers';

const dist = JSON.stringify(join(__dirname, '..', 'dist', 'index.js'));

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

t.test('exec with descriptors nearly exhausted rejects with EMFILE; the process lives on, nothing leaks', async (t) => {
  const [a] = (await namedNetns(t, 'emfile')) as [Netns];
  // A child node process with `ulimit -n 40` (and none of the test runner's NODE_OPTIONS
  // imports, which need descriptors of their own) opens files until two descriptors remain.
  const script = `
    const { closeSync, openSync, readdirSync } = require('node:fs');
    const { Netns } = require(${dist});
    const count = () => readdirSync('/proc/self/fd').length;
    (async () => {
      const ns = await Netns.open(process.argv[1]);
      await ns.exec('true'); // warm: the first spawn sets up libuv's SIGCHLD handling
      const before = count();
      const held = [];
      for (;;) {
        try { held.push(openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; break; }
      }
      closeSync(held.pop()); closeSync(held.pop());
      let error = null;
      try { await ns.exec('true'); } catch (e) { error = { name: e.name, code: e.code, message: e.message }; }
      for (const fd of held) closeSync(fd);
      const after = count();
      const again = (await ns.exec('echo', ['alive'])).stdout;
      ns.close();
      process.stdout.write(JSON.stringify({ error, before, after, again }));
    })();`;
  const r = await runCaptured('sh', ['-c', 'ulimit -n 40 && unset NODE_OPTIONS && exec "$0" "$@"', process.execPath, '-e', script, a.name!]);
  t.equal(r.code, 0, 'the process stays alive', { stderr: r.stderr });
  if (r.code !== 0) return;
  const out = JSON.parse(r.stdout) as { error: { name: string; code: string; message: string } | null; before: number; after: number; again: string };
  t.ok(out.error, 'exec rejected');
  t.equal(out.error?.code, 'EMFILE', 'with code EMFILE');
  t.match(out.error?.message, new RegExp(`exec true in netns ${a.name}: .*EMFILE`), 'saying what and where');
  t.equal(out.after, out.before, 'no descriptor leaked (the borrowed namespace fd was returned)');
  t.equal(out.again, 'alive\n', 'exec works again once descriptors are free');
});

t.test('an /etc/netns/NAME file with no /etc counterpart is skipped, as ip netns exec does', async (t) => {
  const [a] = (await namedNetns(t, 'etcskip')) as [Netns];
  const dir = `/etc/netns/${a.name}`;
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const extra = `netns-link-only-here-${process.pid}`;
  t.notOk(existsSync(`/etc/${extra}`), 'no /etc counterpart');
  writeFileSync(`${dir}/${extra}`, 'x\n');
  writeFileSync(`${dir}/resolv.conf`, 'nameserver 192.0.2.54\n');
  const r = await a.exec('cat', ['/etc/resolv.conf']);
  t.equal(r.stdout, 'nameserver 192.0.2.54\n', 'the command ran, with the files that have a counterpart bound');
  t.notOk(existsSync(`/etc/${extra}`), 'nothing created in /etc');
});

t.test('a timeout sends killSignal, then SIGKILL after killAfter, to everything the command started', async (t) => {
  const [a] = (await namedNetns(t, 'kill')) as [Netns];
  const guard = <T>(p: Promise<T>, ms: number): Promise<T | 'hung'> => Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref())]);
  const stubborn = ['-c', 'trap "" TERM; sleep 30'];
  let start = Date.now();
  const quick = await guard(a.exec('sh', stubborn, { timeout: 200, killAfter: 300 }).catch((x: unknown) => x), 5000);
  const quickMs = Date.now() - start;
  t.ok(quick instanceof ExecError, 'rejects with an ExecError, not hanging');
  t.match(quick, { signal: 'SIGKILL', stderr: /timeout of 200 ms/ });
  t.ok(quickMs >= 450 && quickMs < 2000, `after timeout + killAfter (${quickMs} ms)`);
  t.ok(await eventually(() => pidsInNamespace(a.inode).length === 0, 2000), 'no process of it (sleep included) is left in the namespace');

  start = Date.now();
  const byDefault = await guard(a.exec('sh', stubborn, { timeout: 100 }).catch((x: unknown) => x), 8000);
  const defaultMs = Date.now() - start;
  t.match(byDefault, { signal: 'SIGKILL' }, 'killAfter defaults to a grace period');
  t.ok(defaultMs >= 2000 && defaultMs < 4500, `of 2 s (${defaultMs} ms)`);
  t.ok(await eventually(() => pidsInNamespace(a.inode).length === 0, 2000), 'nothing left');

  const usr1 = await a.exec('sleep', ['30'], { timeout: 100, killSignal: 'SIGUSR1' }).catch((x: unknown) => x);
  t.match(usr1, { signal: 'SIGUSR1' }, 'killSignal is sent first');
});

t.test('exec and spawn refuse bad options, arguments and numbers, naming the value', async (t) => {
  const [a] = (await namedNetns(t, 'badopts')) as [Netns];
  const refused: [unknown[], new (...x: any[]) => Error, RegExp][] = [
    [['true', [], null], TypeError, /options must be a plain object, got null/],
    [['true', [], []], TypeError, /options must be a plain object, got \[\]/],
    [['true', [], 'x'], TypeError, /got "x"/],
    [['true', null], TypeError, /args must be an array of strings, got null/],
    [['true', 'x'], TypeError, /args must be an array of strings, got "x"/],
    [['true', ['a', 1]], TypeError, /got 1/],
    [['true', [], { maxBuffer: NaN }], RangeError, /maxBuffer NaN/],
    [['true', [], { maxBuffer: -1 }], RangeError, /maxBuffer -1/],
    [['true', [], { maxBuffer: '10' }], TypeError, /maxBuffer must be a number of bytes, got "10"/],
    [['true', [], { timeout: -5 }], RangeError, /timeout -5/],
    [['true', [], { timeout: 0 }], RangeError, /timeout 0/],
    [['true', [], { timeout: NaN }], RangeError, /timeout NaN/],
    [['true', [], { timeout: Infinity }], RangeError, /timeout Infinity/],
    [['true', [], { timeout: 'abc' }], TypeError, /timeout must be a number of milliseconds, got "abc"/],
    [['true', [], { killAfter: -1 }], RangeError, /killAfter -1/],
    [['true', [], { killSignal: 'SIGNOPE' }], RangeError, /killSignal "SIGNOPE"/],
    [['true', [], { input: 42 }], TypeError, /input must be a string or a Buffer, got 42/],
    [['true', [], { stdio: 'inherit' }], TypeError, /stdio/],
  ];
  for (const [args, type, message] of refused) {
    const e = await (a.exec as (...x: unknown[]) => Promise<unknown>)(...args).catch((x: unknown) => x);
    t.ok(e instanceof type, `exec(${JSON.stringify(args)}): ${type.name}`);
    t.match((e as Error).message, message, `exec(${JSON.stringify(args)}): says which value`);
  }
  for (const [args, message] of [
    [['true', [], null], /options must be a plain object, got null/],
    [['true', null], /args must be an array of strings, got null/],
    [['true', [], 5], /got 5/],
  ] as [unknown[], RegExp][]) {
    t.throws(() => (a.spawn as (...x: unknown[]) => unknown)(...args), { name: 'TypeError', message }, `spawn(${JSON.stringify(args)})`);
  }
  t.same(pidsInNamespace(a.inode), [], 'nothing was started');
});

t.test('a missing cwd is named as such', async (t) => {
  const [a] = (await namedNetns(t, 'cwd')) as [Netns];
  const gone = `/nonexistent-netns-link-${process.pid}`;
  const e = await a.exec('true', [], { cwd: gone }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'ENOENT', message: new RegExp(`cwd ${gone} does not exist`) });
  t.throws(() => a.spawn('true', [], { cwd: gone }), { code: 'ENOENT', message: new RegExp(`cwd ${gone} does not exist`) });
  t.match(await a.exec('true', [], { cwd: '/etc/hostname' }).catch((x: unknown) => x), { code: 'ENOTDIR', message: /cwd \/etc\/hostname is not a directory/ });
  t.equal((await a.exec('pwd', [], { cwd: '/tmp' })).stdout, '/tmp\n', 'an existing cwd works');
});

t.test('a failure to enter the namespace is the helper\'s own error, not the command\'s', async (t) => {
  const [a] = (await namedNetns(t, 'setns')) as [Netns];
  // As nobody with no capability, opening /run/netns/NAME works but setns() is refused.
  const script = `
    const { ExecError, Netns } = require(${dist});
    (async () => {
      const ns = await Netns.open(process.argv[1]);
      const out = {};
      try { await ns.exec('true'); out.exec = null; }
      catch (e) { out.exec = { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, message: e.message, isExecError: e instanceof ExecError }; }
      out.spawn = await new Promise((resolve) => {
        const seen = { error: null, exit: null };
        const child = ns.spawn('true');
        child.on('error', (e) => { seen.error = { name: e.name, code: e.code, message: e.message }; });
        child.on('close', (code) => { seen.exit = code; resolve(seen); });
      });
      ns.close();
      process.stdout.write(JSON.stringify(out));
    })();`;
  const r = await runAsNobody('-e', script, a.name!);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.match(out.exec, { name: 'NetlinkError', code: 'EPERM', errno: 1, syscall: 'setns', isExecError: false }, 'exec rejects with a NetlinkError, code EPERM');
  t.match(out.exec?.message, new RegExp(`^exec true in netns ${a.name}: Operation not permitted \\(EPERM\\)`), 'naming the namespace and the errno');
  t.match(out.exec?.message, /setns/, 'and the step that failed');
  t.match(out.spawn, { error: { name: 'NetlinkError', code: 'EPERM' }, exit: 255 }, 'spawn emits it as the ChildProcess\'s error; the helper exits 255');
  const own = await a.exec('sh', ['-c', 'exit 255']).catch((x: unknown) => x);
  t.ok(own instanceof ExecError && own.exitCode === 255, 'while a command\'s own 255 stays an ExecError');
});
