// Netns.fromContainer against a stand-in Docker Engine API on a Unix socket, and the
// tutorial's whole flow with a stand-in container (unshare -n sleep).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { engineAnswering, fakeEngine, ipJson, namedNetns, scriptedEngine, standInContainer } from './helpers';

t.test('fromContainer asks the engine for the pid and opens its namespace', async (t) => {
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, {
    web: { Pid: box.pid, Running: true, Status: 'running' },
    stopped: { Pid: 0, Running: false, Status: 'exited' },
  });
  const ns = await Netns.fromContainer('web', { socket });
  t.teardown(() => ns.close());
  t.ok(ns.equals(await Netns.fromPid(box.pid)), 'the container\'s namespace');
  t.equal(String(ns), 'netns container web');
  await t.rejects(Netns.fromContainer('ghost', { socket }), { code: 'ENOENT', op: 'fromContainer', message: /no such container: ghost/ });
  await t.rejects(Netns.fromContainer('stopped', { socket }), { code: 'ESRCH', message: /not running \(exited\)/ });
  const none = await Netns.fromContainer('web', { socket: join(tmpdir(), 'no-engine-here.sock') }).catch((x: unknown) => x);
  t.ok(none instanceof NetlinkError);
  t.match(none, { code: 'ENOENT', message: /no Docker engine answers at/ });
  await t.rejects(Netns.fromContainer('../etc', { socket }), TypeError, 'a container reference that is no name is refused');
});

t.test('the tutorial, end to end: a container wired to a bridge in a namespace', async (t) => {
  const [sw] = (await namedNetns(t, 'tut')) as [Netns];
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, { app: { Pid: box.pid, Running: true, Status: 'running' } });
  const container = await Netns.fromContainer('app', { socket });
  t.teardown(() => container.close());

  await sw.createBridge('br0', { up: true });
  await sw.addAddress('br0', '203.0.113.1/24');
  await sw.createVeth('veth-app', { peer: 'tmp-app', master: 'br0', up: true });
  await sw.moveToNetns('tmp-app', container, { name: 'eth1' });
  await container.addAddress('eth1', '203.0.113.10/24');
  await container.setUp('eth1');
  await container.setUp('lo');
  await container.addRoute({ to: 'default', via: '203.0.113.1' });

  const inside = JSON.parse((await container.exec('ip', ['-j', 'addr', 'show', 'eth1'])).stdout);
  t.equal(inside[0].addr_info[0].local, '203.0.113.10', 'eth1 addressed inside the container');
  t.same(ipJson(sw.name!, 'link', 'show', 'master', 'br0').map((l: any) => l.ifname), ['veth-app']);
  const fromSwitch = await sw.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', '203.0.113.10']);
  t.match(fromSwitch.stdout, /[1-3] received/, 'the switch reaches the container');
  const fromContainer = await container.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', '203.0.113.1']);
  t.match(fromContainer.stdout, /[1-3] received/, 'and the container the switch');
  t.equal((await container.getRoute('198.51.100.1')).gateway, '203.0.113.1', 'its default route');
});

t.test('the timeout is a deadline for the whole exchange, not an idle timeout', async (t) => {
  // A byte every 400 ms: never idle for a second, never done.
  const socket = await scriptedEngine(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const drip = setInterval(() => res.write(' '), 400);
    res.on('close', () => clearInterval(drip));
  });
  const start = Date.now();
  const e = await Promise.race([
    Netns.fromContainer('web', { socket, timeout: 1000 }).catch((x: unknown) => x),
    new Promise((r) => setTimeout(() => r('still pending'), 6000).unref()),
  ]);
  const ms = Date.now() - start;
  t.ok(e instanceof NetlinkError, 'rejected, not left pending');
  t.match(e, { code: 'ETIMEDOUT', message: /no complete reply .* within 1000 ms/ });
  t.ok(ms >= 950 && ms < 2000, `at the deadline (${ms} ms)`);
});

t.test('timeout and allowOwnNamespace are checked, naming the value', async (t) => {
  const socket = await engineAnswering(t, { State: { Running: true, Pid: 2 } });
  const bad: [unknown, new (...x: any[]) => Error, RegExp][] = [
    [0, RangeError, /timeout 0/],
    [-1, RangeError, /timeout -1/],
    [NaN, RangeError, /timeout NaN/],
    [Infinity, RangeError, /timeout Infinity/],
    [2 ** 31, RangeError, /timeout 2147483648/],
    ['1000', TypeError, /timeout must be a number of milliseconds, got "1000"/],
    [null, TypeError, /got null/],
  ];
  for (const [timeout, type, message] of bad) {
    const e = await Netns.fromContainer('web', { socket, timeout: timeout as number }).catch((x: unknown) => x);
    t.ok(e instanceof type, `timeout ${String(timeout)}: ${type.name}`);
    t.match((e as Error).message, message);
  }
  await t.rejects(Netns.fromContainer('web', { socket, allowOwnNamespace: 'yes' as never }), { name: 'TypeError', message: /allowOwnNamespace must be true or false, got "yes"/ });
});

t.test('a reply over 4 MiB fails at once, naming the cap, and the connection is cut', async (t) => {
  let sent = 0;
  let cut = false;
  const socket = await scriptedEngine(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(64 << 10, 0x20);
    const pump = (): void => {
      while (!cut && sent < 100 << 20) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!cut) res.end('{}');
    };
    res.on('close', () => (cut = true));
    pump();
  });
  const e = await Netns.fromContainer('web', { socket }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'EMSGSIZE', message: /larger than 4 MiB \(4194304 bytes\)/ });
  t.ok(await new Promise((r) => setTimeout(() => r(cut), 200)), 'the engine saw its connection closed');
  t.ok(sent < 12 << 20, `the engine could send only a little over the cap (${(sent / 2 ** 20).toFixed(1)} MiB of 100)`);

  const declared = await scriptedEngine(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(100 << 20) });
    res.write(' ');
  });
  await t.rejects(Netns.fromContainer('web', { socket: declared, timeout: 3000 }), { code: 'EMSGSIZE', message: /4 MiB/ }, 'a declared length over the cap fails before the body');
});

t.test('a malformed reply from the engine is EPROTO, naming the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /reply was malformed: the body is null, not an object/],
    [[1], /the body is \[1\], not an object/],
    [{}, /State is missing/],
    [{ State: 'running' }, /State is "running", not an object/],
    [{ State: { Running: 'no', Pid: 4242 } }, /State\.Running is "no", not true or false/],
    [{ State: { Pid: 4242 } }, /State\.Running is missing/],
    [{ State: { Running: true, Pid: 0 } }, /State\.Pid is 0/],
    [{ State: { Running: true, Pid: -1 } }, /State\.Pid is -1/],
    [{ State: { Running: true, Pid: '1' } }, /State\.Pid is "1"/],
    [{ State: { Running: true, Pid: 1.5 } }, /State\.Pid is 1\.5/],
    [{ State: { Running: true, Pid: 2 ** 53 } }, /State\.Pid is 9007199254740992/],
    [{ State: { Running: true, Pid: 1 } }, /State\.Pid is 1, not a process id above 1/],
    [{ State: { Running: true } }, /State\.Pid is missing/],
  ];
  for (const [body, message] of cases) {
    const socket = await engineAnswering(t, body);
    const e = await Netns.fromContainer('web', { socket, allowOwnNamespace: true }).catch((x: unknown) => x);
    t.ok(e instanceof NetlinkError, `${JSON.stringify(body)}: a NetlinkError, not a TypeError or RangeError`);
    t.match(e, { code: 'EPROTO', op: 'fromContainer', message }, `${JSON.stringify(body)}: says which field`);
  }
  const stopped = await engineAnswering(t, { State: { Running: false, Pid: 0, Status: 'exited' } });
  await t.rejects(Netns.fromContainer('web', { socket: stopped }), { code: 'ESRCH', message: /not running \(exited\)/ }, 'Running: false is not running');
});

t.test('a container in this process\'s own network namespace is refused unless allowOwnNamespace', async (t) => {
  const socket = await fakeEngine(t, { host: { Pid: process.pid, Running: true, Status: 'running' } });
  const e = await Netns.fromContainer('host', { socket }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'EPERM', message: /container host is in this process's own network namespace.*allowOwnNamespace/ });
  const ns = await Netns.fromContainer('host', { socket, allowOwnNamespace: true });
  const self = Netns.current();
  t.teardown(() => {
    ns.close();
    self.close();
  });
  t.ok(ns.equals(self), 'allowed on request: our own namespace');
});
