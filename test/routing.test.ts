// Routers between subnets, IPv4 and IPv6: addresses, routes, forwarding through ns.sysctl, and
// real traffic across; checked with `ip -j -n NS addr / route / rule / neigh` and ping.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { Netns, type Route } from '../dist/index.js';
import { native } from '../dist/native.js';
import { eventually, ipJson, namedNetns, ping, type Teardown } from './helpers';

/** ip -j route's destination, as this library writes it ('default', or always with a prefix length). */
function ipDst(r: any, family: 4 | 6): string {
  if (r.dst === 'default') return 'default';
  return String(r.dst).includes('/') ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
}

/** Two links up in one namespace: eth0 192.0.2.10/24 and eth1 198.18.0.10/24 (a veth pair). */
async function twoLinks(a: Netns): Promise<void> {
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '192.0.2.10/24');
  await a.addAddress('eth1', '198.18.0.10/24');
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

t.test('a rule sends a source to table 100', async (t) => {
  const [a] = (await namedNetns(t, 'rule')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: 'default', via: '192.0.2.1', table: 100 });
  await a.addRoute({ to: 'default', via: '198.18.0.1' });
  await a.addRule({ from: '192.0.2.10/32', table: 100, priority: 1000 });
  const ip = ipJson(a.name!, '-4', 'rule', 'show');
  const ours = await a.rules({ family: 4 });
  t.same(ours.map((r) => r.priority), ip.map((r: any) => r.priority), 'the same rules as ip -4 rule');
  const mine = ours.find((r) => r.priority === 1000)!;
  t.match(mine, { from: '192.0.2.10/32', to: 'all', table: 100, action: 'table' });
  t.match(ip.find((r: any) => r.priority === 1000), { src: '192.0.2.10', table: '100' });
  t.equal((await a.getRoute('203.0.113.1', { from: '192.0.2.10' })).gateway, '192.0.2.1', 'from the source: table 100');
  t.equal((await a.getRoute('203.0.113.1')).gateway, '198.18.0.1', 'otherwise: main');
  t.same((await a.routes({ table: 100 })).map((r) => [r.to, r.gateway, r.table]), [['default', '192.0.2.1', 100]]);
  t.same(await a.routes({ table: 4242 }), [], 'a table with no routes is empty, not an error');
  await t.rejects(a.addRule({ from: '192.0.2.10/32', table: 100, priority: 1000 }), { code: 'EEXIST' });
  await a.deleteRule({ from: '192.0.2.10/32', table: 100, priority: 1000 });
  t.notOk(ipJson(a.name!, '-4', 'rule', 'show').some((r: any) => r.priority === 1000), 'deleted');
  await t.rejects(a.deleteRule({ priority: 1000 }), { code: 'ENOENT' });
  await t.resolves(a.deleteRule({ priority: 1000 }, { missingOk: true }));
});

t.test('rules on interfaces and firewall marks, as ip -j rule shows them', async (t) => {
  const [a] = (await namedNetns(t, 'rule2')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1' });
  await a.addRule({ iif: 'eth0', table: 200, priority: 2000 });
  await a.addRule({ oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201, priority: 2001 });
  await a.addRule({ to: '2001:db8:9::/48', action: 'prohibit', priority: 2002 });
  const ip4 = ipJson(a.name!, '-4', 'rule', 'show');
  const ours4 = await a.rules({ family: 4 });
  t.match(ours4.find((r) => r.priority === 2000), { iif: 'eth0', table: 200, from: 'all' });
  t.match(ip4.find((r: any) => r.priority === 2000), { iif: 'eth0', table: '200' });
  t.match(ours4.find((r) => r.priority === 2001), { oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201 });
  t.match(ip4.find((r: any) => r.priority === 2001), { oif: 'eth1', fwmark: '0x2a', fwmask: '0xff', table: '201' });
  const six = (await a.rules({ family: 6 })).find((r) => r.priority === 2002);
  t.match(six, { family: 6, to: '2001:db8:9::/48', action: 'prohibit', table: null });
  t.match(ipJson(a.name!, '-6', 'rule', 'show').find((r: any) => r.priority === 2002), { dst: '2001:db8:9::', dstlen: 48, action: 'prohibit' });
  await a.deleteRule({ oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201 });
  t.notOk(ipJson(a.name!, '-4', 'rule', 'show').some((r: any) => r.priority === 2001), 'deleted by its match');
});

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

t.test('neighbours: add, replace, list and delete, as ip -j neigh sees them', async (t) => {
  const [a] = (await namedNetns(t, 'neigh')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.addAddress('eth0', '192.0.2.10/24');
  await a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:20', dev: 'eth0' });
  await a.addNeighbor({ address: '2001:db8::20', lladdr: '02:00:5e:00:53:21', dev: 'eth0', router: true });
  const ip = ipJson(a.name!, 'neigh', 'show', 'dev', 'eth0');
  const ours = await a.neighbors({ dev: 'eth0' });
  for (const n of ip) {
    const mine = ours.find((x) => x.address === n.dst);
    t.match(mine, { lladdr: n.lladdr, dev: 'eth0' }, `${n.dst}`);
    t.same(mine?.state, n.state, `${n.dst}: state`);
  }
  t.ok(ours.find((x) => x.address === '2001:db8::20')?.router, 'router flag');
  await t.rejects(a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:99', dev: 'eth0' }), { code: 'EEXIST' });
  await a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:99', dev: 'eth0', replace: true });
  t.equal(ipJson(a.name!, 'neigh', 'show', '192.0.2.20', 'dev', 'eth0')[0].lladdr, '02:00:5e:00:53:99', 'replaced');
  await a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' });
  t.same(ipJson(a.name!, 'neigh', 'show', '192.0.2.20', 'dev', 'eth0'), []);
  await t.rejects(a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' }), { code: 'ENOENT' });
  await t.resolves(a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' }, { missingOk: true }));
});

t.test('refusals: bad input before any syscall, the kernel\'s reasons, and a failed replace keeps the old route', async (t) => {
  const [a] = (await namedNetns(t, 'rerr')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '192.0.2.10/24');
  // A settled link: with carrier, no route flag changes on its own under the snapshot below.
  t.ok(await eventually(async () => (await a.link('eth0')).operstate === 'UP'));
  await a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1' });
  const snapshot = (): string => JSON.stringify([ipJson(a.name!, 'route', 'show', 'table', 'all'), ipJson(a.name!, 'addr'), ipJson(a.name!, 'rule')]);
  const before = snapshot();
  const bad: [string, () => Promise<unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
    ['prefix /33', () => a.addAddress('eth0', '10.0.0.1/33'), RangeError, /10\.0\.0\.1\/33/],
    ['prefix /129', () => a.addRoute({ to: '2001:db8::/129', dev: 'eth0' }), RangeError, /2001:db8::\/129/],
    ['a malformed address', () => a.addAddress('eth0', '192.0.2.300/24'), TypeError, /192\.0\.2\.300/],
    ['a malformed gateway', () => a.addRoute({ to: 'default', via: 'gateway' }), TypeError, /"gateway"/],
    ['a gateway of the other family', () => a.addRoute({ to: '198.51.100.0/24', via: '2001:db8::1' }), TypeError, /2001:db8::1 is IPv6/],
    ['an IPv6 gateway for a default IPv4 route', () => a.addRoute({ to: 'default', via: '2001:db8::1', family: 4 }), TypeError, /IPv6/],
    ['table -1', () => a.addRoute({ to: '198.51.100.0/24', dev: 'eth0', table: -1 }), RangeError, /table -1/],
    ['table 0', () => a.routes({ table: 0 }), RangeError, /table 0/],
    ['a table named after a prototype property', () => a.routes({ table: 'toString' as never }), TypeError, /"toString"/],
    ['a scope named after a prototype property', () => a.addAddress('eth0', '198.51.100.9/24', { scope: 'constructor' as never }), TypeError, /"constructor"/],
    ['a neighbour state named after a prototype property', () => a.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53:05', dev: 'eth0', state: 'toString' as never }), TypeError, /"toString"/],
    ['a rule action named after a prototype property', () => a.addRule({ from: '192.0.2.0/24', table: 5, action: 'valueOf' as never }), TypeError, /"valueOf"/],
    ['metric 2^32', () => a.addRoute({ to: '198.51.100.0/24', dev: 'eth0', metric: 2 ** 32 }), RangeError, /metric/],
    ['a weight of 0', () => a.addRoute({ to: '198.51.100.0/24', nexthops: [{ via: '192.0.2.1', weight: 0 }] }), RangeError, /weight 0/],
    ['a sysctl outside net', () => a.sysctl('kernel.hostname'), TypeError, /must start with "net\."/],
    ['a sysctl with ..', () => a.sysctl('net..ipv4'), TypeError, /"net\.\.ipv4"/],
    ['a sysctl reaching out', () => a.sysctl('net.ipv4/../../kernel/hostname'), TypeError, /"net\.ipv4\/\.\.\/\.\.\/kernel\/hostname" has an empty, '\.', '\.\.' or NUL component/],
    ['a sysctl path reaching out', () => a.sysctl('net/ipv4/../../kernel/hostname'), TypeError, /has an empty, '\.', '\.\.' or NUL component/],
    ['a rule without a table', () => a.addRule({ from: '192.0.2.0/24' }), TypeError, /needs a table/],
    ['a neighbour with a 5-octet MAC', () => a.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53', dev: 'eth0' }), TypeError, /02:00:5e:00:53/],
  ];
  for (const [name, run, kind, message] of bad) {
    const e = await run().then(() => null, (x: unknown) => x);
    t.ok(e instanceof kind, `${name}: ${kind.name}`);
    t.match((e as Error | null)?.message, message, `${name}: names the value`);
  }
  t.equal(snapshot(), before, 'nothing changed');

  await t.rejects(a.addRoute({ to: '198.51.100.0/24', via: '10.99.0.1' }), { code: 'ENETUNREACH', kernelMessage: /gateway/ });
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', via: '192.0.2.1', dev: 'lo' }), { code: 'ENETUNREACH' });
  await t.rejects(a.addRoute({ to: '203.0.113.0/24', via: '192.0.2.1' }), { code: 'EEXIST', message: /replaceRoute/ });
  await t.rejects(a.addRoute({ to: '198.51.100.5/24', dev: 'eth0' }), { code: 'EINVAL', kernelMessage: 'Invalid prefix for given prefix length' });
  await t.rejects(a.addRoute({ to: '198.51.100.0/24', dev: 'nosuch' }), { code: 'ENODEV', message: /no interface named nosuch/ });
  await t.rejects(a.replaceRoute({ to: '203.0.113.0/24', via: '10.99.0.1' }), { code: 'ENETUNREACH' });
  t.equal(snapshot(), before, 'the refused replace left the old route as it was');
  t.equal(ipJson(a.name!, 'route', 'show', '203.0.113.0/24')[0].gateway, '192.0.2.1');
  await a.replaceRoute({ to: '203.0.113.0/24', via: '192.0.2.2' });
  t.same(ipJson(a.name!, 'route', 'show', '203.0.113.0/24').map((r: any) => r.gateway), ['192.0.2.2'], 'a replace that succeeds replaces');
  await t.rejects(a.sysctl('net.ipv4.no_such_knob'), { code: 'ENOENT', op: 'sysctl' });
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
  await a.deleteRoute({ to: '198.51.100.128/25', table: 200 });
  t.same(await a.routes({ table: 200 }), []);
});
