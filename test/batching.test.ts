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

t.test('a link made earlier in the same batch is found by name (kernel order)', async (t) => {
  const [a] = await namedNetns(t, 'order');
  await Promise.all([a!.createBridge('br-o'), a!.createVeth('vo0', { peer: 'vo1', master: 'br-o' })]);
  t.equal((await a!.link('vo0')).master, (await a!.link('br-o')).index);
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
