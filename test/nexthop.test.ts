// Nexthop objects (`ip nexthop`): single nexthops, blackholes, groups hash-threshold and
// resilient, routes that use them by id, read back and checked with `ip -j nexthop`,
// `ip -j route` and real traffic; and the kernel's refusals.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import type { Netns, Nexthop } from '../dist/index.js';
import { ipJson, namedNetns, ping, twoLinks } from './helpers';

/** `ip nexthop show` as text, one line per nexthop, trailing blanks gone. */
function ipText(ns: string, ...args: string[]): string[] {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
}

/** What ip -j nexthop says of one, in this library's words. */
function fromIp(n: any): Partial<Nexthop> {
  return {
    id: n.id,
    gateway: n.gateway ?? null,
    dev: n.dev ?? null,
    blackhole: 'blackhole' in n,
    fdb: 'fdb' in n,
    group: (n.group ?? []).map((m: any) => ({ id: m.id, weight: m.weight ?? 1 })),
    scope: n.scope ?? 'global',
  };
}

t.test('single nexthops: a gateway, a device, a blackhole, IPv6, onlink and proto, as ip -j nexthop', async (t) => {
  const [a] = (await namedNetns(t, 'nh')) as [Netns];
  await twoLinks(a);
  await a.setUp('lo');
  t.equal(await a.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0' }), 1, 'resolves with its id');
  t.equal(await a.addNexthop({ id: 2, blackhole: true }), 2);
  await a.addNexthop({ id: 3, dev: 'eth1' });
  await a.addNexthop({ id: 4, via: 'fe80::1', dev: 'eth0' });
  await a.addNexthop({ id: 5, via: '203.0.113.5', dev: 'eth1', onlink: true, protocol: 'static' });
  await a.addNexthop({ id: 6, blackhole: true, family: 6 });

  const ip = ipJson(a.name!, 'nexthop', 'show');
  const ours = await a.nexthops();
  t.same(ours.map((n) => n.id), ip.map((n: any) => n.id), 'the same nexthops as ip -j nexthop');
  for (const n of ip) t.match(ours.find((x) => x.id === n.id), fromIp(n), `id ${n.id}`);
  t.match(ours.find((n) => n.id === 1), { family: 4, gateway: '192.0.2.1', dev: 'eth0', scope: 'link', protocol: 0, group: [], groupType: null });
  t.match(ours.find((n) => n.id === 3), { family: 4, gateway: null, dev: 'eth1', scope: 'host' });
  t.match(ours.find((n) => n.id === 4), { family: 6, gateway: 'fe80::1' });
  const five = ours.find((n) => n.id === 5)!;
  t.match(five, { onlink: true, protocol: 'static' });
  t.same(ip.find((n: any) => n.id === 5).flags, ['onlink']);
  t.equal(ip.find((n: any) => n.id === 5).protocol, 'static');
  t.match(ours.find((n) => n.id === 6), { family: 6, blackhole: true, dev: null });
  t.same(ours.map(String), ipText(a.name!, 'nexthop', 'show'), 'toString is what ip nexthop show prints');

  t.same(String(await a.nexthop(5)), String(five), 'get one by id: ip nexthop get id 5');
  t.same((await a.nexthops({ dev: 'eth1' })).map((n) => n.id), ipJson(a.name!, 'nexthop', 'show', 'dev', 'eth1').map((n: any) => n.id), 'by device');
  t.same((await a.nexthops({ family: 6 })).map((n) => n.id), ipJson(a.name!, '-6', 'nexthop', 'show').map((n: any) => n.id), 'by family');
  t.same((await a.nexthops({ family: 6 })).map((n) => n.id), [4, 6]);

  const picked = await a.addNexthop({ via: '192.0.2.2', dev: 'eth0' });
  t.ok(ipJson(a.name!, 'nexthop', 'show', 'id', String(picked)).some((n: any) => n.gateway === '192.0.2.2'), `the id the kernel picked (${picked}) is the one it shows`);

  t.equal(await a.replaceNexthop({ id: 1, via: '192.0.2.3', dev: 'eth0' }), 1);
  t.equal(ipJson(a.name!, 'nexthop', 'show', 'id', '1')[0].gateway, '192.0.2.3', 'replaced');

  await a.deleteNexthop(3);
  t.notOk(ipJson(a.name!, 'nexthop', 'show').some((n: any) => n.id === 3), 'deleted');
  await t.rejects(a.deleteNexthop(3), { code: 'ENOENT', op: 'deleteNexthop', message: /no nexthop with id 3/ });
  await t.resolves(a.deleteNexthop(3, { missingOk: true }));
  await t.rejects(a.nexthop(3), { code: 'ENOENT', op: 'nexthop', message: /nexthop id 3 in netns .*no nexthop with id 3/ });
});

t.test('groups: hash-threshold with weights, resilient with its timers, fdb, as ip -j nexthop', async (t) => {
  const [a] = (await namedNetns(t, 'nhgrp')) as [Netns];
  await twoLinks(a);
  await a.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0' });
  await a.addNexthop({ id: 2, via: '198.18.0.1', dev: 'eth1' });
  await a.addNexthop({ id: 10, group: [1, { id: 2, weight: 3 }] });
  await a.addNexthop({ id: 11, group: [{ id: 1 }, { id: 2, weight: 2 }], resilient: { buckets: 16, idleTimer: 5, unbalancedTimer: 20 } });
  await a.addNexthop({ id: 12, group: [{ id: 1, weight: 300 }, 2] });
  await a.addNexthop({ id: 20, via: '192.0.2.7', fdb: true });
  await a.addNexthop({ id: 21, group: [20], fdb: true });

  const ip = ipJson(a.name!, 'nexthop', 'show');
  const ours = await a.nexthops();
  t.same(ours.map((n) => n.id), ip.map((n: any) => n.id));
  const ten = ours.find((n) => n.id === 10)!;
  t.match(ten, { family: null, groupType: 'mpath', resilient: null, gateway: null, dev: null });
  t.same(ten.group, [{ id: 1, weight: 1 }, { id: 2, weight: 3 }]);
  t.same(ten.group, fromIp(ip.find((n: any) => n.id === 10)).group, 'the members and weights ip shows');
  const eleven = ours.find((n) => n.id === 11)!;
  const ip11 = ip.find((n: any) => n.id === 11);
  t.equal(ip11.type, 'resilient');
  t.match(eleven, { groupType: 'resilient', resilient: { buckets: 16, idleTimer: 5, unbalancedTimer: 20 } });
  t.same(
    { buckets: eleven.resilient!.buckets, idle_timer: eleven.resilient!.idleTimer, unbalanced_timer: eleven.resilient!.unbalancedTimer },
    { buckets: ip11.resilient_args.buckets, idle_timer: ip11.resilient_args.idle_timer, unbalanced_timer: ip11.resilient_args.unbalanced_timer },
    'resilient settings as ip -j shows them',
  );
  // iproute2 6.1 reads only the low byte of a weight; the kernel keeps 16 bits since 6.12.
  t.same(ours.find((n) => n.id === 12)!.group, [{ id: 1, weight: 300 }, { id: 2, weight: 1 }], 'a weight above 256, read back');
  t.match(ours.find((n) => n.id === 20), { fdb: true, gateway: '192.0.2.7', dev: null });
  t.match(ours.find((n) => n.id === 21), { fdb: true, group: [{ id: 20, weight: 1 }] });
  const text = ipText(a.name!, 'nexthop', 'show');
  for (const n of ours) if (n.id !== 12) t.ok(text.includes(String(n)), `${n}: as ip nexthop show prints it`);

  t.same((await a.nexthops({ groups: true })).map((n) => n.id), ipJson(a.name!, 'nexthop', 'show', 'groups').map((n: any) => n.id), 'only groups');
  t.same((await a.nexthops({ fdb: true })).map((n) => n.id), ipJson(a.name!, 'nexthop', 'show', 'fdb').map((n: any) => n.id), 'only fdb nexthops');

  await a.deleteNexthop(2);
  t.same((await a.nexthop(10)).group, [{ id: 1, weight: 1 }], 'a deleted member leaves its groups');
  const left = ipJson(a.name!, 'nexthop', 'show').length;
  t.equal(await a.flushNexthops(), left, 'flush resolves with how many');
  t.same(ipJson(a.name!, 'nexthop', 'show'), [], 'all gone');
});

t.test('routes use nexthops by id: read back with nhid, traffic follows, and go with them', async (t) => {
  const [a, b] = (await namedNetns(t, 'nhrt', 2)) as [Netns, Netns];
  await a.createVeth('eth0', { peer: 'eth0', peerNetns: b, up: true });
  await b.setUp('eth0');
  await Promise.all([a.setUp('lo'), b.setUp('lo')]);
  await a.addAddress('eth0', '192.0.2.10/24');
  await b.addAddress('eth0', '192.0.2.1/24');
  await b.addAddress('lo', '203.0.113.1/32');
  await b.addAddress('lo', '203.0.114.1/32');
  await a.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0' });
  await a.addNexthop({ id: 2, dev: 'eth0' });
  await a.addNexthop({ id: 10, group: [1, { id: 2, weight: 2 }] });
  await a.addRoute({ to: '203.0.113.0/24', nhid: 1 });
  await a.addRoute({ to: '198.51.100.0/24', nhid: 10, metric: 7 });

  const ip = ipJson(a.name!, 'route', 'show');
  const ours = await a.routes();
  const single = ours.find((r) => r.to === '203.0.113.0/24')!;
  const ipSingle = ip.find((r: any) => r.dst === '203.0.113.0/24');
  t.match(single, { nhid: 1, gateway: '192.0.2.1', dev: 'eth0', scope: 'global' });
  t.match(ipSingle, { nhid: 1, gateway: '192.0.2.1', dev: 'eth0' });
  const multi = ours.find((r) => r.to === '198.51.100.0/24')!;
  const ipMulti = ip.find((r: any) => r.dst === '198.51.100.0/24');
  t.equal(multi.nhid, ipMulti.nhid);
  t.same(
    multi.nexthops.map((x) => [x.gateway, x.dev, x.weight]),
    ipMulti.nexthops.map((x: any) => [x.gateway ?? null, x.dev, x.weight]),
    'the group\'s paths, as ip -j route shows them',
  );
  t.match(String(single), /^203\.0\.113\.0\/24 nhid 1 via 192\.0\.2\.1 dev eth0/);
  t.equal(ours.find((r) => r.to === '192.0.2.0/24')!.nhid, null, 'a route of its own has none');
  t.ok(await ping(a.name!, '203.0.113.1'), 'traffic takes the nexthop');

  // The route follows a replaced nexthop.
  await b.addAddress('eth0', '192.0.2.2/24');
  await a.replaceNexthop({ id: 1, via: '192.0.2.2', dev: 'eth0' });
  t.equal(ipJson(a.name!, 'route', 'get', '203.0.113.1')[0].gateway, '192.0.2.2', 'the route follows the replaced nexthop');
  t.equal((await a.getRoute('203.0.113.1')).gateway, '192.0.2.2');

  await a.deleteRoute({ to: '198.51.100.0/24', nhid: 10, metric: 7 });
  t.notOk(ipJson(a.name!, 'route', 'show').some((r: any) => r.dst === '198.51.100.0/24'), 'deleted by its nhid');
  await a.addRoute({ to: '198.51.100.0/24', nhid: 10 });
  t.equal(await a.flushRoutes({ protocol: 'boot' }), 2, 'flushRoutes removes routes with a nexthop object too');
  t.same(ipJson(a.name!, 'route', 'show').filter((r: any) => r.nhid), []);

  await a.addRoute({ to: '203.0.113.0/24', nhid: 1 });
  await a.deleteNexthop(1);
  t.notOk(ipJson(a.name!, 'route', 'show').some((r: any) => r.dst === '203.0.113.0/24'), 'a route goes with its nexthop');
  t.notOk(await ping(a.name!, '203.0.113.1', 1), 'and traffic with it');
});

t.test('the kernel\'s refusals, errno and reason', async (t) => {
  const [a] = (await namedNetns(t, 'nhno')) as [Netns];
  await twoLinks(a);
  await t.rejects(a.addNexthop({ id: 9, blackhole: true }), { code: 'ENETDOWN', kernelMessage: 'Device for nexthop is not up' }, 'a blackhole needs lo up');
  await a.setUp('lo');
  await a.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0' });
  await a.addNexthop({ id: 2, blackhole: true });
  await t.rejects(a.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0' }), { code: 'EEXIST', op: 'addNexthop', message: /nexthop id 1 via 192\.0\.2\.1 dev eth0 in netns .*already exists \(replaceNexthop changes it\)/ });
  await t.rejects(a.addNexthop({ id: 3, group: [1, 99] }), { code: 'EINVAL', kernelMessage: 'Invalid nexthop id' });
  await t.rejects(a.addNexthop({ id: 3, group: [1, 2] }), { code: 'EINVAL', kernelMessage: /Blackhole nexthop can not be used in a group with more than 1 path/ });
  await t.rejects(a.addNexthop({ id: 3, via: '203.0.113.1', dev: 'eth0' }), { code: 'ENETUNREACH', kernelMessage: 'Nexthop has invalid gateway' });
  await t.rejects(a.addNexthop({ id: 3, via: '192.0.2.1', dev: 'nosuch' }), { code: 'ENODEV', message: /no interface named nosuch/ });
  await a.addNexthop({ id: 4, group: [1] });
  await t.rejects(a.addNexthop({ id: 5, group: [4] }), { code: 'EINVAL', kernelMessage: /Hash-threshold group can not be a nexthop within a group/ });
  await t.rejects(a.addNexthop({ id: 5, group: [1], fdb: true }), { code: 'EINVAL', kernelMessage: /FDB nexthop group can only have fdb nexthops/ });
  t.equal(await a.replaceNexthop({ id: 7, via: '192.0.2.1', dev: 'eth0' }), 7, 'replace adds one that is not there, as ip nexthop replace');
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', nhid: 77 }), { code: 'EINVAL', kernelMessage: 'Nexthop id does not exist' });
  await t.rejects(a.addRoute({ to: '2001:db8::/64', nhid: 1 }), { code: 'EINVAL', kernelMessage: 'IPv6 routes can not use an IPv4 nexthop' });
  await a.setDown('eth0');
  await t.rejects(a.addNexthop({ id: 6, via: '192.0.2.1', dev: 'eth0' }), { code: 'ENETDOWN', message: /eth0 is down/ });
  t.same(ipJson(a.name!, 'nexthop', 'show').map((n: any) => n.id), [2], 'nexthops go when their device goes down, their groups with them');
});
