// Refusals and bad input: each case asserts the error (its code, op, and the value named) and
// that both namespaces are exactly as before: nothing half-made is left behind.
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
  { name: 'a veth whose name exists', run: (a) => a.createVeth('br0', { peer: 'fresh' }), expect: 'EEXIST', op: 'createVeth' },
  { name: 'a veth whose peer name exists in the peer namespace', run: (a, b) => a.createVeth('fresh', { peer: 'taken', peerNetns: b }), expect: 'EEXIST' },
  { name: 'a missing device', run: (a) => a.setUp('nosuch0'), expect: 'ENODEV', op: 'setUp', message: /no interface named nosuch0/ },
  { name: 'a missing bridge as master', run: (a) => a.createVeth('fresh', { peer: 'fresh1', master: 'nobr' }), expect: 'ENODEV', message: /no interface named nobr/ },
  { name: 'a 16-byte name', run: (a) => a.createBridge('abcdefghijklmnop'), expect: RangeError, message: /"abcdefghijklmnop" must be 1 to 15 bytes/ },
  { name: 'a name with /', run: (a) => a.createBridge('a/b'), expect: TypeError, message: /"a\/b"/ },
  { name: 'a name with white space', run: (a) => a.createBridge('a b'), expect: TypeError },
  { name: 'MTU 70000', run: (a) => a.setLink('br0', { mtu: 70000 }), expect: RangeError, message: /mtu 70000/ },
  { name: 'MTU above what the device takes', run: (a) => a.createVeth('fresh', { peer: 'fresh1', mtu: 65536 }), expect: 'EINVAL', message: /mtu 65536/ },
  { name: 'a multicast MAC', run: (a) => a.setLink('br0', { address: '01:00:5e:00:00:01' }), expect: RangeError, message: /multicast/ },
  { name: 'a MAC with 5 octets', run: (a) => a.createBridge('fresh', { address: '02:00:5e:00:53' }), expect: TypeError, message: /02:00:5e:00:53/ },
  { name: 'a bridge made its own master', run: (a) => a.setLink('br0', { master: 'br0' }), expect: 'ELOOP', message: /enslave a bridge/ },
  { name: 'moving a bridge to another namespace', run: (a, b) => a.moveToNetns('br0', b), expect: 'EINVAL', message: /netns is immutable/ },
  { name: 'moving into a namespace that already has that name', run: (a, b) => a.moveToNetns('taken', b), expect: 'EEXIST', message: /already has an interface named taken/ },
  { name: 'renaming on a move to a name taken there', run: (a, b) => a.moveToNetns('mover', b, { name: 'taken' }), expect: 'EEXIST' },
  { name: 'renaming to a name taken here', run: (a) => a.setLink('mover', { name: 'br0' }), expect: 'EEXIST', message: /br0 already exists/ },
  { name: 'deleting lo', run: (a) => a.deleteLink('lo'), expect: 'EOPNOTSUPP' },
  { name: 'a pid that has exited', run: async () => Netns.fromPid(await gonePid()), expect: 'ENOENT', op: 'fromPid', message: /no process with pid/ },
  { name: 'a pid of 0', run: () => Netns.fromPid(0), expect: RangeError, message: /pid 0/ },
  { name: 'a namespace name with /', run: () => Netns.open('../../etc'), expect: TypeError, message: /"\.\.\/\.\.\/etc"/ },
  { name: 'an unknown namespace', run: () => Netns.open(uniqueName('nosuch')), expect: 'ENOENT', op: 'open', message: /no namespace named/ },
  { name: 'a peer namespace that is not a Netns', run: (a) => a.createVeth('fresh', { peer: 'p', peerNetns: 'b' as never }), expect: TypeError, message: /peerNetns must be a Netns/ },
  { name: 'options of the wrong shape', run: (a) => a.createVeth('fresh', 'p' as never), expect: TypeError, message: /must be an object/ },
  { name: 'a misspelt option', run: (a) => a.createVeth('fresh', { peer: 'p', peerUp: true } as never), expect: TypeError, message: /unknown option "peerUp"/ },
  { name: 'an address with /33', run: (a) => a.addAddress('taken', '10.0.0.1/33'), expect: RangeError, message: /10\.0\.0\.1\/33/ },
  { name: 'an address twice', run: (a) => a.addAddress('taken', '192.0.2.1/24'), expect: 'EEXIST', message: /Address already assigned/ },
  { name: 'deleting an absent address', run: (a) => a.deleteAddress('taken', '192.0.2.9/24'), expect: 'EADDRNOTAVAIL' },
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
