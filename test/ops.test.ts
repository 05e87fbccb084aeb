// Operations against a fake kernel (the transport is injected, no root needed): names resolved
// before encoding, the requests each operation sends, and bad input refused before any of it.
import t from 'tap';
import type { Transport } from '../dist/connection.js';
import { NsHandle } from '../dist/handle.js';
import * as A from '../dist/ops/address.js';
import * as L from '../dist/ops/link.js';
import * as R from '../dist/ops/route.js';
import { C } from '../dist/wire/constants.js';
import { eachMessage } from '../dist/wire/netlink.js';

/**
 * A kernel that ACKs everything (or answers `refuse[type]` with that errno), knows every
 * interface as index 5, and records each call.
 */
function fakeKernel(refuse: Record<number, number> = {}): { io: Transport; sent: Buffer[]; looked: string[]; calls: () => number } {
  const sent: Buffer[] = [];
  const looked: string[] = [];
  let calls = 0;
  const ack = async (_fd: number, _portid: number, requests: Buffer): Promise<Buffer> => {
    calls++;
    const replies: Buffer[] = [];
    eachMessage(requests, (m) => {
      sent.push(Buffer.from(m.buf.subarray(m.start - 16, m.end)));
      const r = Buffer.alloc(36);
      r.writeUInt32LE(36, 0);
      r.writeUInt16LE(C.NLMSG_ERROR, 4);
      r.writeUInt16LE(C.NLM_F_CAPPED, 6);
      r.writeUInt32LE(m.seq, 8);
      r.writeInt32LE(-(refuse[m.type] ?? 0), 16);
      replies.push(r);
    });
    return Buffer.concat(replies);
  };
  const io: Transport = {
    transact: ack,
    transactQuick: ack,
    ifindex: (_fd, name) => {
      calls++;
      looked.push(name);
      return 5;
    },
    ifname: () => 'eth0',
    close: () => undefined,
  };
  return { io, sent, looked, calls: () => calls };
}

let inode = 1;
function fakeHandle(label: string, io: Transport): NsHandle {
  return new NsHandle({ fd: -1, dev: 0, ino: inode++, sock: -1, portid: 1 }, { label }, {}, io);
}

t.test('createVeth with a bridge by name: resolved by SIOCGIFINDEX, one request', async (t) => {
  const k = fakeKernel();
  const h = fakeHandle('fake', k.io);
  await L.createVeth(h, 'v0', { peer: 'v1', master: 'br0', address: '02:00:5e:00:53:01' }, null);
  t.same(k.looked, ['br0']);
  t.equal(k.sent.length, 1, 'no netlink round trip for the name');
  t.equal(k.sent[0]!.readUInt16LE(4), C.RTM_NEWLINK);
});

t.test('moveToNetns with a new name: rename here by index, then move keeping it', async (t) => {
  const k = fakeKernel();
  const here = fakeHandle('here', k.io);
  const there = fakeHandle('there', k.io);
  await L.moveToNetns(here, 'eth0', there, { name: 'eth1' });
  t.equal(k.sent.length, 2);
  t.same(k.sent.map((m) => m.readInt32LE(20)), [5, 5], 'both by index 5');
  t.ok(k.sent[1]!.includes(Buffer.from([0x08, 0x00, 0x1c, 0x00])), 'the second carries IFLA_NET_NS_FD');
});

t.test('addRoute resolves each next hop\'s dev once', async (t) => {
  const k = fakeKernel();
  const h = fakeHandle('fake', k.io);
  await R.addRoute(h, { to: '203.0.113.0/24', nexthops: [{ via: '192.0.2.1', dev: 'eth0' }, { via: '192.0.2.2', dev: 'eth0' }] }, 'add');
  t.same(k.looked, ['eth0']);
});

t.test('bad input is refused before any call reaches the kernel', async (t) => {
  const k = fakeKernel();
  const h = fakeHandle('fake', k.io);
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ['metric -1', () => R.addRoute(h, { to: 'default', dev: 'eth0', metric: -1 }, 'add'), /metric -1 is out of range/],
    ['table 0', () => R.addRoute(h, { to: 'default', dev: 'eth0', table: 0 }, 'add'), /table 0 is not a table/],
    ['mtu 10', () => R.addRoute(h, { to: 'default', dev: 'eth0', mtu: 10 }, 'add'), /mtu 10 is out of range/],
    ['nexthops {}', () => R.addRoute(h, { to: 'default', nexthops: {} as never }, 'add'), /nexthops must be an array, got \{\}/],
    ['onlink "yes"', () => R.deleteRoute(h, { to: 'default', dev: 'eth0', onlink: 'yes' as never }, undefined), /onlink must be true or false/],
    ['scope 256', () => A.addAddress(h, 'eth0', '192.0.2.1/24', { scope: 256 }), /scope 256 is out of range/],
    ['br%d', () => L.createBridge(h, 'br%d', undefined), /must not contain '%'/],
  ];
  for (const [what, run, message] of bad) await t.rejects(run(), { message }, what);
  t.equal(k.calls(), 0, 'no lookup, no request');
});

t.test('options are read as own properties only', async (t) => {
  const k = fakeKernel();
  const h = fakeHandle('fake', k.io);
  const refusing = fakeKernel({ [C.RTM_DELADDR]: 99 });
  const r = fakeHandle('refusing', refusing.io);
  const proto = Object.prototype as Record<string, unknown>;
  proto.table = 255;
  proto.up = true;
  proto.replace = true;
  proto.missingOk = true;
  proto.master = 'br9';
  let missing: unknown;
  try {
    await R.addRoute(h, { to: '192.0.2.0/24', dev: 'eth0' }, 'add');
    await L.createBridge(h, 'br0', {});
    await A.addAddress(h, 'eth0', '192.0.2.1/24', {});
    await L.setLink(h, 'eth0', { mtu: 1400 });
    missing = await A.deleteAddress(r, 'eth0', '192.0.2.9/24', {}).then(() => null, (e: unknown) => e);
  } finally {
    for (const k of ['table', 'up', 'replace', 'missingOk', 'master']) delete proto[k];
  }
  const [route, bridge, address, set] = k.sent as [Buffer, Buffer, Buffer, Buffer];
  t.equal(route[16 + 4], C.RT_TABLE_MAIN, 'the route went to main, not to table local');
  t.equal(bridge.readUInt32LE(16 + 8), 0, 'the bridge was not brought up');
  t.equal(address.readUInt16LE(6) & C.NLM_F_REPLACE, 0, 'the address was not a replace');
  t.notOk(set.includes(Buffer.from([0x08, 0x00, 0x0a, 0x00])), 'setLink sent no IFLA_MASTER');
  t.match(missing, { errno: 99 }, 'a delete the kernel refused stays refused: missingOk was not taken from the prototype');
});
