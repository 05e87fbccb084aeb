// The kernel's refusals, and failed system calls: each case asserts the NetlinkError (its code,
// errno, op, and the object or the kernel's reason named) and that both namespaces are exactly
// as before: nothing half-made is left behind. Bad input refused before any system call is
// test/bad-input.test.ts.
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { ipJson, namedNetns, standInContainer, uniqueName } from './helpers';

interface Case {
  name: string;
  run: (a: Netns, b: Netns) => Promise<unknown>;
  /** A NetlinkError code, or an error class for input refused before any syscall. */
  expect: string | typeof TypeError | typeof RangeError;
  /** Text the message must contain (the bad value named, or the kernel's reason). */
  message?: RegExp;
  op?: string;
}

const gonePid = async (): Promise<number> => {
  const done: (() => unknown)[] = [];
  const box = await standInContainer({ teardown: (fn) => done.push(fn) });
  box.kill('SIGKILL');
  await new Promise((r) => box.once('exit', r));
  return box.pid;
};

const cases: Case[] = [
  { name: 'a duplicate name', run: (a) => a.createBridge('br0'), expect: 'EEXIST', op: 'createBridge', message: /br0 already exists/ },
  { name: 'a veth whose name exists', run: (a) => a.createVeth('br0', { peer: 'fresh' }), expect: 'EEXIST', op: 'createVeth', message: /— an interface named br0 exists in netns \S+-err-1$/ },
  { name: 'a veth whose peer name exists in the peer namespace', run: (a, b) => a.createVeth('fresh', { peer: 'taken', peerNetns: b }), expect: 'EEXIST', message: /— an interface named taken exists in netns \S+-err-2$/ },
  { name: 'a master that is no bridge', run: (a) => a.createVeth('fresh', { peer: 'fresh1', master: 'mover' }), expect: 'EOPNOTSUPP', message: /a master must be a bridge or a bond/ },
  { name: 'a missing device', run: (a) => a.setUp('nosuch0'), expect: 'ENODEV', op: 'setUp', message: /no interface named nosuch0/ },
  { name: 'a missing bridge as master', run: (a) => a.createVeth('fresh', { peer: 'fresh1', master: 'nobr' }), expect: 'ENODEV', message: /no interface named nobr/ },
  { name: 'MTU above what the device takes', run: (a) => a.createVeth('fresh', { peer: 'fresh1', mtu: 65536 }), expect: 'EINVAL', message: /mtu 65536/ },
  { name: 'a bridge made its own master', run: (a) => a.setLink('br0', { master: 'br0' }), expect: 'ELOOP', message: /enslave a bridge/ },
  { name: 'moving a bridge to another namespace', run: (a, b) => a.moveToNetns('br0', b), expect: 'EINVAL', message: /netns is immutable/ },
  { name: 'moving into a namespace that already has that name', run: (a, b) => a.moveToNetns('taken', b), expect: 'EEXIST', message: /already has an interface named taken/ },
  { name: 'renaming on a move to a name taken there', run: (a, b) => a.moveToNetns('mover', b, { name: 'taken' }), expect: 'EEXIST' },
  { name: 'renaming to a name taken here', run: (a) => a.setLink('mover', { name: 'br0' }), expect: 'EEXIST', message: /br0 already exists/ },
  { name: 'deleting lo', run: (a) => a.deleteLink('lo'), expect: 'EOPNOTSUPP' },
  { name: 'a pid that has exited', run: async () => Netns.fromPid(await gonePid()), expect: 'ENOENT', op: 'fromPid', message: /no process with pid/ },
  { name: 'an unknown namespace', run: () => Netns.open(uniqueName('nosuch')), expect: 'ENOENT', op: 'open', message: /no namespace named/ },
  { name: 'an address twice', run: (a) => a.addAddress('taken', '192.0.2.1/24'), expect: 'EEXIST', message: /Address already assigned/ },
  { name: 'deleting an absent address', run: (a) => a.deleteAddress('taken', '192.0.2.9/24'), expect: 'EADDRNOTAVAIL' },
  { name: 'attaching a pid that has exited', run: async () => Netns.attach(uniqueName('gone'), await gonePid()), expect: 'ENOENT', op: 'attach', message: /no process with pid/ },
  { name: 'a path that is no namespace', run: () => Netns.fromPath('/etc/passwd'), expect: 'EINVAL', op: 'fromPath', message: /not a network namespace/ },
  { name: 'a closed handle', run: async (_a, b) => {
    const h = await Netns.open(b.name!);
    h.close();
    return h.createBridge('br9');
  }, expect: 'EBADF', op: 'createBridge', message: /closed/ },
  { name: 'enslaving to a veth', run: (a) => a.setLink('mover', { master: 'taken' }), expect: 'EOPNOTSUPP', message: /a master must be a bridge or a bond/ },
  { name: 'an unknown sysctl', run: (a) => a.sysctl('net.ipv4.no_such_knob'), expect: 'ENOENT', op: 'sysctl', message: /no sysctl net\.ipv4\.no_such_knob/ },
];

t.test(`${cases.length} refusals and bad inputs, none leaving anything behind`, async (t) => {
  const [a, b] = await namedNetns(t, 'err', 2);
  await a!.createBridge('br0');
  await a!.createVeth('taken', { peer: 'taken', peerNetns: b! });
  await a!.createVeth('mover', { peer: 'mover1' });
  await a!.addAddress('taken', '192.0.2.1/24');
  const snapshot = (): unknown => [a, b].map((ns) => [ipJson(ns!.name!, '-d', 'link'), ipJson(ns!.name!, 'addr')]);
  const before = JSON.stringify(snapshot());
  for (const c of cases) {
    const e = await c.run(a!, b!).then(
      () => null,
      (x: unknown) => x,
    );
    if (typeof c.expect === 'string') {
      t.ok(e instanceof NetlinkError, `${c.name}: a NetlinkError`);
      t.match(e, { code: c.expect }, `${c.name}: ${c.expect}`);
      if (c.op) t.match(e, { op: c.op }, `${c.name}: op ${c.op}`);
      t.ok(typeof (e as NetlinkError).errno === 'number' && (e as NetlinkError).errno > 0, `${c.name}: errno`);
    } else {
      t.ok(e instanceof c.expect, `${c.name}: ${c.expect.name}`);
    }
    if (c.message) t.match((e as Error | null)?.message, c.message, `${c.name}: says ${c.message}`);
    t.equal(JSON.stringify(snapshot()), before, `${c.name}: nothing changed`);
  }
});

t.test('EPERM says that root or CAP_NET_ADMIN is needed', async (t) => {
  const e = new NetlinkError({ op: 'createBridge', object: { ifname: 'br0' }, subject: 'br0 in netns x', errno: 1 });
  t.equal(e.message, 'createBridge br0 in netns x: Operation not permitted (EPERM) — root or CAP_NET_ADMIN is needed');
  t.equal(e.code, 'EPERM');
  t.equal(e.name, 'NetlinkError');
});
