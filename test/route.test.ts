// Routes, IPv4 and IPv6: routers between subnets with forwarding through ns.sysctl and real
// traffic across, metrics, multipath, types and options, lookups (by policy rules, fibmatch),
// change, append and flush, and the kernel's refusals; checked with `ip -j -n NS route` and ping.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Netns, Route } from '../dist/index.js';
import { native } from '../dist/native.js';
import { eventually, ipJson, namedNetns, ping, twoLinks, type Teardown } from './helpers';

/** ip -j route's destination, as this library writes it ('default', or always with a prefix length). */
function ipDst(r: any, family: 4 | 6): string {
  if (r.dst === 'default') return 'default';
  return String(r.dst).includes('/') ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
}

/** node1 — router — node2, each link a veth pair made with its peer in place. */
async function routerTopology(t: Teardown, tag: string): Promise<[Netns, Netns, Netns]> {
  const [n1, r, n2] = (await namedNetns(t, tag, 3)) as [Netns, Netns, Netns];
  // A router sends neighbour solicitations for forwarded IPv6 packets from its link-local
  // address, and sends none while that is still tentative (DAD, 1-2 s after link-up): links
  // made in these namespaces skip DAD, as noDad does for the addresses added below.
  await Promise.all([n1, r, n2].map((ns) => ns.sysctl('net.ipv6.conf.default.accept_dad', 0)));
  await n1.createVeth('eth0', { peer: 'left', peerNetns: r, up: true });
  await n2.createVeth('eth0', { peer: 'right', peerNetns: r, up: true });
  await Promise.all([r.setUp('left'), r.setUp('right'), n1.setUp('lo'), n2.setUp('lo'), r.setUp('lo')]);
  return [n1, r, n2];
}

t.test('IPv4: node1 — router1 — node2 with static routes through gateways', async (t) => {
  const [n1, r, n2] = await routerTopology(t, 'r4');
  await Promise.all([
    n1.addAddress('eth0', '192.0.2.10/24'),
    r.addAddress('left', '192.0.2.1/24'),
    r.addAddress('right', '198.51.100.1/24'),
    n2.addAddress('eth0', '198.51.100.10/24'),
  ]);
  await n1.addRoute({ to: 'default', via: '192.0.2.1' });
  await n2.addRoute({ to: '192.0.2.0/24', via: '198.51.100.1' });
  t.equal(await r.sysctl('net.ipv4.ip_forward'), '0', 'a new namespace does not forward');
  t.notOk(await ping(n1.name!, '198.51.100.10'), 'no forwarding, no traffic');
  const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  await r.sysctl('net.ipv4.ip_forward', 1);
  t.equal(await r.sysctl('net.ipv4.ip_forward'), '1');
  t.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward, 'the host is untouched');
  t.ok(await ping(n1.name!, '198.51.100.10'), 'node1 pings node2 across router1');
  t.ok(await ping(n2.name!, '192.0.2.10'), 'and back');

  const theirs = ipJson(n1.name!, '-4', 'route', 'show');
  const ours = await n1.routes({ family: 4 });
  t.same(ours.map((x) => x.to).sort(), theirs.map((x: any) => ipDst(x, 4)).sort(), 'the same routes as ip -4 route');
  const def = ours.find((x) => x.to === 'default')!;
  t.match(def, { gateway: '192.0.2.1', dev: 'eth0', protocol: 'boot', table: 'main', scope: 'global', type: 'unicast' });
  const connected = ours.find((x) => x.to === '192.0.2.0/24')!;
  t.match(connected, { gateway: null, dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.10' });

  const [get] = ipJson(n1.name!, 'route', 'get', '198.51.100.10');
  const got = await n1.getRoute('198.51.100.10');
  t.match(got, { to: '198.51.100.10/32', gateway: get.gateway, dev: get.dev, prefsrc: get.prefsrc });
});

t.test('IPv6: node1 — router2 — node2, addresses with noDad usable at once', async (t) => {
  const [n1, r, n2] = await routerTopology(t, 'r6');
  await Promise.all([
    n1.addAddress('eth0', '2001:db8:1::10/64', { noDad: true }),
    r.addAddress('left', '2001:db8:1::1/64', { noDad: true }),
    r.addAddress('right', '2001:db8:2::1/64', { noDad: true }),
    n2.addAddress('eth0', '2001:db8:2::10/64', { noDad: true }),
  ]);
  const [a] = await n1.addresses({ ifname: 'eth0', family: 6 }).then((l) => l.filter((x) => x.address === '2001:db8:1::10'));
  t.notOk(a!.tentative, 'not tentative: no DAD');
  t.ok(a!.flagNames.includes('nodad'));
  await n1.addRoute({ to: 'default', via: '2001:db8:1::1' });
  await n2.addRoute({ to: '2001:db8:1::/64', via: '2001:db8:2::1' });
  await r.sysctl('net.ipv6.conf.all.forwarding', '1');
  t.ok(await ping(n1.name!, '2001:db8:2::10'), 'ping -6 from node1 to node2 across router2');
  const theirs = ipJson(n2.name!, '-6', 'route', 'show');
  const ours = await n2.routes({ family: 6 });
  t.same(ours.map((x) => x.to).sort(), theirs.map((x: any) => ipDst(x, 6)).sort(), 'the same routes as ip -6 route');
  const via = ours.find((x) => x.to === '2001:db8:1::/64')!;
  const ipVia = theirs.find((x: any) => x.dst === '2001:db8:1::/64');
  t.match(via, { gateway: '2001:db8:2::1', dev: 'eth0', metric: ipVia.metric, family: 6 });
  t.equal((await n1.getRoute('2001:db8:2::10')).gateway, '2001:db8:1::1');
});

t.test('two routes to one prefix with different metrics, then one deleted', async (t) => {
  const [a] = (await namedNetns(t, 'metric')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1', metric: 100 });
  await a.addRoute({ to: '203.0.113.0/24', via: '198.18.0.1', metric: 200 });
  let ip = ipJson(a.name!, 'route', 'show', '203.0.113.0/24');
  t.same(ip.map((r: any) => [r.gateway, r.metric]), [['192.0.2.1', 100], ['198.18.0.1', 200]]);
  t.equal((await a.getRoute('203.0.113.9')).gateway, '192.0.2.1', 'the lower metric wins');
  await a.deleteRoute({ to: '203.0.113.0/24', metric: 100 });
  ip = ipJson(a.name!, 'route', 'show', '203.0.113.0/24');
  t.same(ip.map((r: any) => [r.gateway, r.metric]), [['198.18.0.1', 200]]);
  t.equal((await a.getRoute('203.0.113.9')).gateway, '198.18.0.1');
  await t.rejects(a.deleteRoute({ to: '203.0.113.0/24', metric: 100 }), { code: 'ESRCH', op: 'deleteRoute' });
  await t.resolves(a.deleteRoute({ to: '203.0.113.0/24', metric: 100 }, { missingOk: true }), 'missingOk');
});

t.test('a multipath route shows its next hops', async (t) => {
  const [a] = (await namedNetns(t, 'ecmp')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: '203.0.113.0/24', nexthops: [{ via: '192.0.2.1', dev: 'eth0', weight: 3 }, { via: '198.18.0.1', weight: 1 }] });
  const [ip] = ipJson(a.name!, 'route', 'show', '203.0.113.0/24');
  const [ours] = (await a.routes()).filter((r: Route) => r.to === '203.0.113.0/24');
  t.same(
    ours!.nexthops.map((h) => [h.gateway, h.dev, h.weight]),
    ip.nexthops.map((h: any) => [h.gateway, h.dev, h.weight]),
    'next hops as ip -j route shows them',
  );
  t.same(ours!.nexthops.map((h) => h.weight), [3, 1]);
});

t.test('route types and options read back as ip -j route shows them', async (t) => {
  const [a] = (await namedNetns(t, 'ropts')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '192.0.2.10/24');
  await a.addRoute({ to: '198.51.100.0/24', type: 'blackhole' });
  await a.addRoute({ to: '198.51.100.128/25', type: 'unreachable', table: 200 });
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1', mtu: 1400, src: '192.0.2.10', protocol: 'static', metric: 5 });
  await a.addRoute({ to: '198.18.0.0/15', via: '198.18.0.1', dev: 'eth1', onlink: true });
  const ours = await a.routes({ table: 'all', family: 4 });
  const find = (to: string): Route => ours.find((r) => r.to === to)!;
  t.match(find('198.51.100.0/24'), { type: 'blackhole', table: 'main', dev: null });
  t.match(find('198.51.100.128/25'), { type: 'unreachable', table: 200 });
  t.match(find('203.0.113.0/24'), { gateway: '192.0.2.1', mtu: 1400, prefsrc: '192.0.2.10', protocol: 'static', metric: 5 });
  t.ok(find('198.18.0.0/15').onlink, 'onlink');
  t.ok(ours.some((r) => r.table === 'local' && r.type === 'local'), 'the local table is there with table: all');
  const [ip] = ipJson(a.name!, 'route', 'show', '203.0.113.0/24');
  t.match(ip, { protocol: 'static', metric: 5, prefsrc: '192.0.2.10', metrics: [{ mtu: 1400 }] });
  t.same(ipJson(a.name!, 'route', 'show', 'table', '200').map((r: any) => [r.type, r.dst]), [['unreachable', '198.51.100.128/25']]);
  t.ok(ipJson(a.name!, 'route', 'show', '198.18.0.0/15')[0].flags.includes('onlink'));
  // The kernel filters by type (ip route show table all type T): the same routes as a filter here.
  for (const type of ['unicast', 'blackhole', 'local', 'broadcast'] as const) {
    const key = (r: Route): string => `${r.table} ${r.type} ${r.to} ${r.dev}`;
    t.same((await a.routes({ table: 'all', family: 4, type })).map(key).sort(), ours.filter((r) => r.type === type).map(key).sort(), `type ${type}: what the kernel sent`);
  }
  t.ok((await a.routes({ table: 'all', family: 4, type: 'local' })).length > 0, 'a type filter is not an empty answer');
  const v6 = await a.routes({ table: 'all', family: 6, type: 'unicast' });
  t.ok(v6.length > 0 && v6.every((r) => r.type === 'unicast'), 'IPv6 too: no local or multicast route');
  t.same(
    v6.map((r) => r.to).sort(),
    ipJson(a.name!, '-6', 'route', 'show', 'table', 'all', 'type', 'unicast').map((r: any) => ipDst(r, 6)).sort(),
    'as ip -6 route show table all type unicast',
  );
  await t.rejects(a.routes({ type: 'bogus' as never }), /type/, 'a type that is not one is refused');
  await a.deleteRoute({ to: '198.51.100.128/25', table: 200 });
  t.same(await a.routes({ table: 200 }), []);
});

t.test("the kernel's refusals name the gateway or device, and a refused replace keeps the old route", async (t) => {
  const [a] = (await namedNetns(t, 'rerr')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '192.0.2.10/24');
  // A settled link: with carrier, no route flag changes on its own under the snapshot below.
  t.ok(await eventually(async () => (await a.link('eth0')).operstate === 'UP'));
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1' });
  const snapshot = (): string => JSON.stringify([ipJson(a.name!, 'route', 'show', 'table', 'all'), ipJson(a.name!, 'addr'), ipJson(a.name!, 'rule')]);
  const before = snapshot();
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', via: '10.99.0.1' }), { code: 'ENETUNREACH', kernelMessage: /gateway/, message: /no route to gateway 10\.99\.0\.1/ });
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', via: '192.0.2.1', dev: 'lo' }), { code: 'ENETUNREACH' });
  await t.rejects(a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1' }), { code: 'EEXIST', message: /replaceRoute/ });
  await t.rejects(a.addRoute({ to: '198.51.100.5/24', dev: 'eth0' }), { code: 'EINVAL', kernelMessage: 'Invalid prefix for given prefix length' });
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', dev: 'nosuch' }), { code: 'ENODEV', message: /no interface named nosuch/ });
  await t.rejects(a.replaceRoute({ to: '203.0.113.0/24', via: '10.99.0.1' }), { code: 'ENETUNREACH' });
  t.equal(snapshot(), before, 'nothing changed: the refused replace left the old route as it was');
  t.equal(ipJson(a.name!, 'route', 'show', '203.0.113.0/24')[0].gateway, '192.0.2.1');
  await a.replaceRoute({ to: '203.0.113.0/24', via: '192.0.2.2' });
  t.same(ipJson(a.name!, 'route', 'show', '203.0.113.0/24').map((r: any) => r.gateway), ['192.0.2.2'], 'a replace that succeeds replaces');
});

t.test('getRoute names the table a rule sent the lookup to, and fibMatch gives the route as configured', async (t) => {
  const [a] = (await namedNetns(t, 'rget')) as [Netns];
  await twoLinks(a);
  await a.addAddress('eth1', '2001:db8:1::10/64', { noDad: true });
  await a.addRule({ fwmark: 1, table: 100 });
  await a.addRule({ fwmark: 1, table: 100, family: 6 });
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1' });
  await a.addRoute({ to: '203.0.113.0/24', via: '198.18.0.1', table: 100 });
  await a.addRoute({ to: '2001:db8:9::/64', via: '2001:db8:1::1', table: 100 });

  const [ip] = ipJson(a.name!, 'route', 'get', '203.0.113.9', 'mark', '1');
  const got = await a.getRoute('203.0.113.9', { mark: 1 });
  t.match(got, { to: '203.0.113.9/32', table: 100, gateway: '198.18.0.1', dev: 'eth1' }, 'the rule sent it to table 100');
  t.same([String(got.table), got.gateway, got.dev], [ip.table, ip.gateway, ip.dev], 'as ip route get ... mark 1');
  const [ipMain] = ipJson(a.name!, 'route', 'get', '203.0.113.9');
  t.match(await a.getRoute('203.0.113.9'), { table: 'main', gateway: ipMain.gateway, dev: 'eth0' }, 'without the mark: main');
  t.equal(ipMain.table, undefined, 'ip names no table for main');

  const [ipFib] = ipJson(a.name!, 'route', 'get', 'fibmatch', '203.0.113.9', 'mark', '1');
  const fib = await a.getRoute('203.0.113.9', { mark: 1, fibMatch: true });
  t.match(fib, { to: '203.0.113.0/24', table: 100, gateway: '198.18.0.1', dev: 'eth1' }, 'the route as configured');
  t.same([fib.to, String(fib.table), fib.gateway], [ipFib.dst, ipFib.table, ipFib.gateway], 'as ip route get fibmatch');

  const [ip6] = ipJson(a.name!, 'route', 'get', '2001:db8:9::1', 'mark', '1');
  const got6 = await a.getRoute('2001:db8:9::1', { mark: 1 });
  t.match(got6, { table: 100, gateway: '2001:db8:1::1', dev: 'eth1' }, 'IPv6 too');
  t.same([String(got6.table), got6.gateway], [ip6.table, ip6.gateway]);
  const [ip6Fib] = ipJson(a.name!, 'route', 'get', 'fibmatch', '2001:db8:9::1', 'mark', '1');
  const fib6 = await a.getRoute('2001:db8:9::1', { mark: 1, fibMatch: true });
  t.same([fib6.to, String(fib6.table)], [ip6Fib.dst, ip6Fib.table]);
  t.equal(fib6.to, '2001:db8:9::/64');

  await t.rejects(a.getRoute('100.64.0.1', { fibMatch: true }), { code: 'ENETUNREACH', op: 'getRoute', message: /100\.64\.0\.1.*no route to 100\.64\.0\.1/ });
});

t.test('changeRoute changes only a route that exists; appendRoute adds behind the first', async (t) => {
  const [a] = (await namedNetns(t, 'rchg')) as [Netns];
  await twoLinks(a);
  await a.addAddress('eth0', '2001:db8:1::10/64', { noDad: true });
  await t.rejects(a.changeRoute({ to: '198.51.100.0/24', via: '192.0.2.1' }), { code: 'ENOENT', op: 'changeRoute', message: /no such route to change/ });
  await t.rejects(a.changeRoute({ to: '2001:db8:9::/64', via: '2001:db8:1::1' }), { code: 'ENOENT', kernelMessage: /no match/ });
  t.same(ipJson(a.name!, 'route', 'show', '198.51.100.0/24'), [], 'nothing added');

  await a.addRoute({ to: '198.51.100.0/24', via: '192.0.2.1' });
  await a.changeRoute({ to: '198.51.100.0/24', via: '198.18.0.1', protocol: 'static' });
  t.same(ipJson(a.name!, 'route', 'show', '198.51.100.0/24').map((r: any) => [r.gateway, r.protocol]), [['198.18.0.1', 'static']], 'changed in place');

  await a.appendRoute({ to: '198.51.100.0/24', via: '192.0.2.1' });
  t.same(ipJson(a.name!, 'route', 'show', '198.51.100.0/24').map((r: any) => r.gateway), ['198.18.0.1', '192.0.2.1'], 'a second route, after the first');
  t.same((await a.routes()).filter((r) => r.to === '198.51.100.0/24').map((r) => r.gateway), ['198.18.0.1', '192.0.2.1']);
  t.equal((await a.getRoute('198.51.100.7')).gateway, '198.18.0.1', 'the first is used');
  await t.rejects(a.appendRoute({ to: '198.51.100.0/24', via: '192.0.2.1' }), { code: 'EEXIST', op: 'appendRoute', message: /identical route/ });

  await a.addRoute({ to: '2001:db8:9::/64', via: '2001:db8:1::1' });
  await a.appendRoute({ to: '2001:db8:9::/64', via: '2001:db8:1::2' });
  const [ip6] = ipJson(a.name!, '-6', 'route', 'show', '2001:db8:9::/64');
  t.same(ip6.nexthops.map((h: any) => h.gateway), ['2001:db8:1::1', '2001:db8:1::2'], 'IPv6: another next hop');
  t.same((await a.routes({ family: 6 })).find((r) => r.to === '2001:db8:9::/64')!.nexthops.map((h) => h.gateway), ['2001:db8:1::1', '2001:db8:1::2']);
});

t.test('mtu lock, realm and tos; an IPv4 route via an IPv6 gateway', async (t) => {
  const [a] = (await namedNetns(t, 'rvia')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1', mtu: 1400, mtuLock: true, realm: 5, tos: 0x10 });
  const [ip] = ipJson(a.name!, 'route', 'show', '203.0.113.0/24');
  t.match(ip, { tos: '0x10', gateway: '192.0.2.1', flow: { to: '5' }, metrics: [{ mtu: 1400 }] });
  // ip -j leaves the lock out (it prints it only as text).
  t.match(execFileSync('ip', ['-n', a.name!, 'route', 'show', '203.0.113.0/24'], { encoding: 'utf8' }), /tos 0x10 .*realm 5 mtu lock 1400/);
  const ours = (await a.routes()).find((r) => r.to === '203.0.113.0/24')!;
  t.match(ours, { tos: 0x10, mtu: 1400, mtuLock: true, realm: 5, gateway: '192.0.2.1' });
  await a.addRoute({ to: '198.51.100.0/24', via: '192.0.2.1', mtu: 1300 });
  t.match((await a.routes()).find((r) => r.to === '198.51.100.0/24')!, { mtu: 1300, mtuLock: false, realm: null, tos: 0 });
  await t.rejects(a.deleteRoute({ to: '203.0.113.0/24' }), { code: 'ESRCH' }, 'a TOS route is deleted by its TOS');
  await a.deleteRoute({ to: '203.0.113.0/24', tos: 0x10 });
  t.same(ipJson(a.name!, 'route', 'show', '203.0.113.0/24'), []);

  await a.addRoute({ to: '198.51.101.0/24', via: 'inet6 fe80::1', dev: 'eth0' });
  await a.addRoute({ to: '198.51.102.0/24', nexthops: [{ via: 'inet6 fe80::2', dev: 'eth0' }, { via: '198.18.0.1' }] });
  const [via] = ipJson(a.name!, 'route', 'show', '198.51.101.0/24');
  t.match(via, { via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0' });
  const mine = (await a.routes({ family: 4 })).find((r) => r.to === '198.51.101.0/24')!;
  t.match(mine, { family: 4, gateway: 'fe80::1', dev: 'eth0' }, 'read back: an IPv6 gateway on an IPv4 route');
  t.match(String(mine), /^198\.51\.101\.0\/24 via inet6 fe80::1 dev eth0/);
  const [multi] = ipJson(a.name!, 'route', 'show', '198.51.102.0/24');
  const mineMulti = (await a.routes()).find((r) => r.to === '198.51.102.0/24')!;
  t.same(mineMulti.nexthops.map((h) => [h.gateway, h.dev]), multi.nexthops.map((h: any) => [h.via?.host ?? h.gateway, h.dev]));
  t.equal(multi.nexthops[0].via.family, 'inet6');
  await a.deleteRoute({ to: '198.51.101.0/24', via: 'inet6 fe80::1', dev: 'eth0' });
  t.same(ipJson(a.name!, 'route', 'show', '198.51.101.0/24'), []);
  await t.rejects(a.addRoute({ to: '198.51.101.0/24', via: 'inet6 fe80::1' }), { code: 'EINVAL', kernelMessage: 'Egress device not specified' });
  await t.rejects(a.addRoute({ to: '198.51.101.0/24', via: 'inet6 2001:db8::99' }), { code: 'EHOSTUNREACH', message: /gateway 2001:db8::99 is not directly reachable/ });
});

t.test('flushRoutes: by table, device, protocol and family, in one batch; the local table only by name', async (t) => {
  const [a] = (await namedNetns(t, 'rflush')) as [Netns];
  await twoLinks(a);
  await a.addAddress('eth0', '2001:db8:1::10/64', { noDad: true });
  await a.addRoute({ to: '198.51.100.0/24', via: '192.0.2.1' });
  await a.addRoute({ to: '198.51.101.0/24', via: '198.18.0.1', protocol: 'static' });
  await a.appendRoute({ to: '198.51.101.0/24', via: '192.0.2.1', protocol: 'static' });
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1', protocol: 'static', table: 100 });
  await a.addRoute({ to: '2001:db8:9::/64', via: '2001:db8:1::1', protocol: 'static' });
  const local = (): unknown => [ipJson(a.name!, '-4', 'route', 'show', 'table', 'local'), ipJson(a.name!, '-6', 'route', 'show', 'table', 'local')];
  const localBefore = JSON.stringify(local());

  t.equal(await a.flushRoutes({ protocol: 'static', family: 4 }), 2, 'the two static IPv4 routes of main');
  t.same(ipJson(a.name!, '-4', 'route', 'show', 'proto', 'static'), [], 'none left in main');
  t.equal(ipJson(a.name!, 'route', 'show', 'table', '100').length, 1, 'table 100 untouched');
  t.equal(ipJson(a.name!, '-6', 'route', 'show', 'proto', 'static').length, 1, 'IPv6 untouched');

  await a.appendRoute({ to: '198.51.101.0/24', via: '198.18.0.1' });
  await a.appendRoute({ to: '198.51.101.0/24', via: '192.0.2.1' });
  t.equal(await a.flushRoutes({ dev: 'eth1', family: 4 }), 2, "eth1's connected route and the one via 198.18.0.1");
  t.same(ipJson(a.name!, '-4', 'route', 'show', 'dev', 'eth1'), []);
  t.same(ipJson(a.name!, 'route', 'show', '198.51.101.0/24').map((r: any) => r.gateway), ['192.0.2.1'], 'the same prefix via eth0 stays');

  t.equal(await a.flushRoutes({ table: 100 }), 1);
  t.same(ipJson(a.name!, 'route', 'show', 'table', '100'), []);

  const main4 = ipJson(a.name!, '-4', 'route', 'show').length;
  const main6 = ipJson(a.name!, '-6', 'route', 'show').length;
  t.ok(main4 >= 2 && main6 >= 3, `${main4} IPv4 and ${main6} IPv6 routes left in main`);
  await a.routes(); // the socket is open before counting
  const before = native.stats();
  t.equal(await a.flushRoutes({ table: 'all', family: 4 }), main4, 'as many as ip -4 route showed');
  const after = native.stats();
  t.equal(after.sendCalls - before.sendCalls, 2, 'one dump, then every delete in one send');
  t.equal(after.messagesSent - before.messagesSent, 1 + main4);
  t.equal(await a.flushRoutes({ table: 'all' }), main6, 'then the IPv6 ones');
  t.same([...ipJson(a.name!, '-4', 'route', 'show', 'table', 'all'), ...ipJson(a.name!, '-6', 'route', 'show', 'table', 'all')].filter((r: any) => r.table !== 'local'), [], 'every table flushed');
  t.equal(JSON.stringify(local()), localBefore, 'but the local table');
  t.ok(await a.getRoute('192.0.2.10').then((r) => r.type === 'local'), 'the local address still routes');
  const locals = ipJson(a.name!, '-4', 'route', 'show', 'table', 'local').length;
  t.equal(await a.flushRoutes({ table: 'local', family: 4 }), locals, 'the local table when asked for by name');
  t.same(ipJson(a.name!, '-4', 'route', 'show', 'table', 'local'), []);

  await t.rejects(a.flushRoutes({ dev: 'nosuch' }), { code: 'ENODEV', op: 'flushRoutes', message: /no interface named nosuch/ });
  t.equal(await a.flushRoutes({ table: 200 }), 0, 'a table with nothing in it');
});
