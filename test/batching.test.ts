// Requests made together go to the kernel together, in the kernel's order; dumps of many parts
// come back whole.
import t from 'tap';
import { native } from '../dist/native.js';
import { ipJson, ipLink, namedNetns } from './helpers';

t.test('operations queued together reach the kernel together', async (t) => {
  const [a] = await namedNetns(t, 'batch');
  await a!.links(); // the socket exists before counting
  const before = native.stats();
  await Promise.all(Array.from({ length: 100 }, (_, i) => a!.createBridge(`b${i}`)));
  const after = native.stats();
  const sends = after.sendCalls - before.sendCalls;
  t.equal(after.messagesSent - before.messagesSent, 100, '100 messages');
  t.ok(sends <= 4, `in ${sends} sendmsg calls`);
  t.equal(ipLink(a!.name!).length, 101);
});

t.test('a burst of addresses goes down in chunks while it is made, in order, each answered', async (t) => {
  const [a] = await namedNetns(t, 'chunks');
  await a!.createVeth('c0', { peer: 'c1' });
  await a!.addAddress('c0', '198.18.9.77/32'); // already there: its second add is refused
  const before = native.stats();
  const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => a!.addAddress('c0', `198.18.9.${i < 250 ? i : 77}/32`)));
  const after = native.stats();
  t.equal(after.messagesSent - before.messagesSent, 300, '300 messages');
  t.ok(after.sendCalls - before.sendCalls >= 5, `in ${after.sendCalls - before.sendCalls} sendmsg calls, 64 at most each`);
  // Four chunks of 64 the caller did not wait for, and the 44 left behind them (made by the
  // caller itself if the chunks are done by then). A chunk can still count as answered in place
  // when the caller was preempted while the I/O thread ran it.
  const deferred = after.quickDeferred - before.quickDeferred;
  const inPlace = after.quickAnswered - before.quickAnswered;
  const direct = after.quickDirect - before.quickDirect;
  t.ok(direct <= 1, `the chunks on the I/O thread (${direct} exchange made by the caller)`);
  t.equal(deferred + inPlace + direct, 5, `five exchanges (${deferred} left to complete later, ${inPlace} answered in place, ${direct} made by the caller)`);
  t.ok(deferred >= 1, 'chunks the caller did not wait for');
  // A chunk's ACKs are all queued once its sendmsg returns: read 16 per recvmmsg, not one each.
  const reads = after.recvCalls - before.recvCalls;
  t.ok(reads <= 300 / 16 + 10, `300 ACKs in ${reads} reads`);
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as { code: string }).code]] : []));
  t.same(failed, [[77, 'EEXIST'], ...Array.from({ length: 50 }, (_, k) => [250 + k, 'EEXIST'])], 'only the adds of an address already there are refused');
  const ours = ipJson(a!.name!, '-4', 'addr', 'show', 'dev', 'c0')[0].addr_info.map((x: any) => x.local);
  t.equal(ours.length, 250, 'the kernel has every address once');
  // A name is looked up for each request: c0 made anew is found anew.
  await a!.deleteLink('c0');
  await a!.createVeth('c0', { peer: 'c1' });
  await a!.addAddress('c0', '198.18.9.1/32');
  t.same(ipJson(a!.name!, '-4', 'addr', 'show', 'dev', 'c0')[0].addr_info.map((x: any) => x.local), ['198.18.9.1'], 'on the new c0');
});

t.test('a link made earlier in the same batch is found by name (kernel order)', async (t) => {
  const [a] = await namedNetns(t, 'order');
  await Promise.all([a!.createBridge('br-o'), a!.createVeth('vo0', { peer: 'vo1', master: 'br-o' })]);
  t.equal((await a!.link('vo0')).master, (await a!.link('br-o')).index);
  // Two addresses (each index looked up as its call is made) on a bridge made just before.
  await Promise.all([a!.createBridge('br-p'), a!.addAddress('br-p', '198.18.9.1/24'), a!.addAddress('br-p', '2001:db8:9::1/64', { noDad: true })]);
  t.same(ipJson(a!.name!, 'addr', 'show', 'dev', 'br-p')[0].addr_info.map((x: any) => x.local).sort(), ['198.18.9.1', '2001:db8:9::1'], 'both on the new bridge');
  // A link named only by name (setUp), a master by name and a route's dev, all made by a call
  // just before: each goes after the call making it, as written.
  await Promise.all([
    a!.createBridge('br-q'),
    a!.createVeth('vq0', { peer: 'vq1' }),
    a!.setUp('br-q'),
    a!.setLink('vq0', { master: 'br-q', mtu: 1400 }),
    a!.setUp('vq0'),
    a!.addRoute({ to: '198.18.10.0/24', dev: 'br-q' }),
  ]);
  const q = ipJson(a!.name!, 'link', 'show', 'dev', 'vq0')[0];
  t.match(q, { master: 'br-q', mtu: 1400 }, 'vq0 on br-q, its mtu set');
  t.ok(q.flags.includes('UP'), 'vq0 up');
  t.ok(ipJson(a!.name!, 'link', 'show', 'dev', 'br-q')[0].flags.includes('UP'), 'br-q up');
  t.match(ipJson(a!.name!, '-4', 'route', 'show', '198.18.10.0/24'), [{ dst: '198.18.10.0/24', dev: 'br-q' }], 'the route on br-q');
  // Links that exist go at once: set up, then down, in call order.
  await Promise.all([a!.setUp('vq1'), a!.setDown('vq1')]);
  t.notOk(ipJson(a!.name!, 'link', 'show', 'dev', 'vq1')[0].flags.includes('UP'), 'vq1 down: the later call went later');
});

t.test('a dump of many parts is reassembled', async (t) => {
  const [a] = await namedNetns(t, 'bigdump');
  await Promise.all(Array.from({ length: 300 }, (_, i) => a!.createVeth(`d${i}`, { peer: `e${i}` })));
  const before = native.stats().recvCalls;
  const links = await a!.links();
  const parts = native.stats().recvCalls - before;
  t.equal(links.length, 601, 'lo and 600 veth ends');
  t.ok(parts > 2, `the dump came in ${parts} parts`);
  t.same(links.map((l) => l.name).sort(), ipLink(a!.name!).map((l: any) => l.ifname).sort());
});

t.test('a dump larger than the socket buffer (10,000 addresses) comes back whole', async (t) => {
  const [a] = await namedNetns(t, 'huge');
  await a!.createVeth('h0', { peer: 'h1' });
  await Promise.all(Array.from({ length: 10000 }, (_, i) => a!.addAddress('h0', `198.18.${i >> 8}.${i & 255}/32`)));
  const before = native.stats().recvCalls;
  const got = await a!.addresses({ ifname: 'h0', family: 4 });
  t.equal(got.length, 10000);
  t.equal(new Set(got.map((x) => x.address)).size, 10000, 'no duplicates, none lost');
  t.ok(native.stats().recvCalls - before > 20, `in ${native.stats().recvCalls - before} parts`);
  t.equal(ipJson(a!.name!, '-4', 'addr', 'show', 'dev', 'h0')[0].addr_info.length, 10000, 'as ip counts them');
});
