// Addresses, IPv4 and IPv6: added with their options (a point-to-point peer, the protocol),
// read back as `ip -j addr` shows them, thousands in one dump, flushed; a rename between two calls seen.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { native } from '../dist/native.js';
import { eventually, ipJson, namedNetns } from './helpers';

t.test('2,000 IPv6 addresses on one link come back from one addresses() call', async (t) => {
  const [a] = (await namedNetns(t, 'many')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  const cidrs = Array.from({ length: 2000 }, (_, i) => `2001:db8:4::${(i + 1).toString(16)}/64`);
  await Promise.all(cidrs.map((c) => a.addAddress('eth0', c, { noDad: true })));
  const before = native.stats().recvCalls;
  const got = await a.addresses({ ifname: 'eth0', family: 6 });
  t.ok(native.stats().recvCalls - before > 2, 'a dump of many parts');
  const global = got.filter((x) => x.scope === 'global');
  t.equal(global.length, 2000);
  t.same(new Set(global.map((x) => x.cidr)), new Set(cidrs));
  const ip = ipJson(a.name!, '-6', 'addr', 'show', 'dev', 'eth0');
  t.equal(ip[0].addr_info.length, got.length, 'as many as ip -6 addr shows');
  t.equal(await a.flushAddresses('eth0', { family: 6 }), got.length, 'flush removes them all');
  t.same(ipJson(a.name!, '-6', 'addr', 'show', 'dev', 'eth0')[0]?.addr_info ?? [], []);
});

t.test('addresses read back as ip -j addr shows them', async (t) => {
  const [a] = (await namedNetns(t, 'addr')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.addAddress('eth0', '192.0.2.10/24', { broadcast: true, label: 'eth0:web' });
  await a.addAddress('eth0', '198.51.100.10/25', { validLifetime: 600, preferredLifetime: 300, metric: 77 });
  await a.addAddress('eth0', '2001:db8::10/64', { noDad: true });
  const [ip] = ipJson(a.name!, 'addr', 'show', 'dev', 'eth0');
  const ours = await a.addresses({ ifname: 'eth0' });
  for (const info of ip.addr_info) {
    const mine = ours.find((x) => x.address === info.local);
    t.ok(mine, `${info.local} is listed`);
    t.equal(mine?.prefixLength, info.prefixlen, `${info.local}: prefix length`);
    t.equal(mine?.scope, info.scope === 'global' ? 'global' : info.scope, `${info.local}: scope`);
    t.equal(mine?.broadcast ?? undefined, info.broadcast, `${info.local}: broadcast`);
    t.equal(mine?.label ?? undefined, info.label, `${info.local}: label`);
    t.equal(mine?.ifname, 'eth0');
  }
  const timed = ours.find((x) => x.address === '198.51.100.10')!;
  t.ok(timed.validLifetime <= 600 && timed.validLifetime > 590, `valid lifetime ${timed.validLifetime}`);
  t.ok(timed.preferredLifetime <= 300 && timed.preferredLifetime > 290);
  t.equal(timed.metric, 77);
  t.notOk(timed.permanent, 'an address with a lifetime is not permanent');
  t.equal(ours.find((x) => x.address === '192.0.2.10')!.broadcast, '192.0.2.255', 'brd + computed');
  t.ok(ipJson(a.name!, 'route', 'show', '198.51.100.0/25').some((r: any) => r.metric === 77), 'the prefix route has the metric');

  await t.rejects(a.addAddress('eth0', '192.0.2.10/24'), { code: 'EEXIST', op: 'addAddress' });
  await t.resolves(a.addAddress('eth0', '192.0.2.10/24', { replace: true }), 'replace: idempotent');
  await t.rejects(a.deleteAddress('eth0', '203.0.113.1/24'), { code: 'EADDRNOTAVAIL' });
  await t.resolves(a.deleteAddress('eth0', '203.0.113.1/24', { missingOk: true }));
  await a.deleteAddress('eth0', '192.0.2.10/24');
  t.notOk(ipJson(a.name!, 'addr', 'show', 'dev', 'eth0')[0].addr_info.some((x: any) => x.local === '192.0.2.10'));
});

t.test('a point-to-point address with its peer, and its protocol, read back as ip -j addr shows them', async (t) => {
  const [a] = (await namedNetns(t, 'peer')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '10.0.0.1', { peer: '10.0.0.2/32', protocol: 42 });
  await a.addAddress('eth0', '2001:db8::1', { peer: '2001:db8::2/128', noDad: true, protocol: 99 });
  // With carrier, the kernel gives the link its IPv6 link-local address.
  t.ok(await eventually(async () => (await a.addresses({ ifname: 'eth0' })).some((x) => x.scope === 'link')), 'a link-local address');
  const [ip] = ipJson(a.name!, 'addr', 'show', 'dev', 'eth0');
  const ours = await a.addresses({ ifname: 'eth0' });
  for (const local of ['10.0.0.1', '2001:db8::1']) {
    const theirs = ip.addr_info.find((x: any) => x.local === local);
    const mine = ours.find((x) => x.address === local)!;
    t.same([mine.address, mine.peer, mine.prefixLength], [theirs.local, theirs.address, theirs.prefixlen], `${local}: local, peer and the peer's prefix as ip shows`);
  }
  t.equal(String(ours.find((x) => x.address === '10.0.0.1')), '10.0.0.1 peer 10.0.0.2/32 dev eth0 scope global permanent');
  t.match(ipJson(a.name!, 'route', 'show', '10.0.0.2'), [{ dev: 'eth0', protocol: 'kernel', prefsrc: '10.0.0.1' }], 'the kernel routes the peer');
  // iproute2 6.1 neither sets nor prints IFA_PROTO: the kernel's own value on the link-local
  // address it made (kernel_ll) is the check that the attribute is read right.
  t.same(ours.map((x) => [x.address, x.protocol]).sort(), [['10.0.0.1', 42], ['2001:db8::1', 99], [ours.find((x) => x.scope === 'link')!.address, 'kernel_ll']].sort());

  await t.rejects(a.addAddress('eth0', '10.0.0.1', { peer: '10.0.0.2/32' }), { code: 'EEXIST', op: 'addAddress', message: /10\.0\.0\.1 peer 10\.0\.0\.2\/32 on eth0.*already has/ });
  await t.rejects(a.deleteAddress('eth0', '10.0.0.1/32'), { code: 'EADDRNOTAVAIL' }, 'IPv4 matches it by its peer');
  await a.deleteAddress('eth0', '10.0.0.1', { peer: '10.0.0.2/32' });
  t.notOk(ipJson(a.name!, 'addr', 'show', 'dev', 'eth0')[0].addr_info.some((x: any) => x.local === '10.0.0.1'), 'deleted with its peer');
  await a.addAddress('eth0', '10.0.0.1', { peer: '10.0.0.2/32' });
  t.equal(await a.flushAddresses('eth0'), 3, 'flush removes peer addresses too');
  t.same(ipJson(a.name!, 'addr', 'show', 'dev', 'eth0')[0].addr_info, []);
});

t.test('a name kept for a burst: a rename by another process is seen (the ip process takes over the millisecond a name is kept), one by this process at once', async (t) => {
  const [a] = (await namedNetns(t, 'rename')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1' });
  // A burst on one name (its lookup kept for the stretch): every address lands on that link.
  const burst = Array.from({ length: 200 }, (_, i) => `198.51.100.${i + 1}/32`);
  await Promise.all(burst.map((c) => a.addAddress('eth0', c)));
  t.equal(ipJson(a.name!, '-4', 'addr', 'show', 'dev', 'eth0')[0].addr_info.length, 200, 'the whole burst on eth0');
  execFileSync('ip', ['-n', a.name!, 'link', 'set', 'eth0', 'name', 'wan0']);
  await t.rejects(a.addAddress('eth0', '203.0.113.1/32'), { code: 'ENODEV', op: 'addAddress' }, 'the old name is gone');
  await a.addAddress('wan0', '203.0.113.2/32');
  const on = ipJson(a.name!, '-4', 'addr', 'show', 'dev', 'wan0')[0].addr_info.map((x: any) => x.local);
  t.ok(on.includes('203.0.113.2') && !on.includes('203.0.113.1'), 'the next address on the renamed link, by its new name');
  t.equal(on.length, 201);

  // This process's own changes, each straight after a request that found the name: renamed,
  // deleted and made again (a new index), the next request sees what the kernel has now.
  await a.setLink('wan0', { name: 'lan0' });
  await t.rejects(a.addAddress('wan0', '203.0.113.3/32'), { code: 'ENODEV', op: 'addAddress' }, 'renamed by this process: the old name gone at once');
  await a.addAddress('lan0', '203.0.113.4/32');
  const old = (await a.link('lan0')).index;
  await a.deleteLink('lan0');
  await a.createVeth('lan0', { peer: 'lan1' });
  await a.addAddress('lan0', '203.0.113.5/32');
  const now = await a.link('lan0');
  t.not(now.index, old, 'made again: another index');
  t.same((await a.addresses({ ifname: 'lan0', family: 4 })).map((x) => x.address), ['203.0.113.5'], 'the address on the link made again');
});
