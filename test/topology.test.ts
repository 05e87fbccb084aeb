// Declarative topologies against the kernel: the tutorials as documents, applied, pinged across
// and destroyed; idempotence, edits, drift, rollback, ownership, bad documents, racing applies,
// and the CLI. `ip -j` of every namespace is the oracle.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { Netns, Topology, TopologyApplyError, TopologyError, describeChange, type TopologyDocument } from '../dist/index.js';
import { eventually, fakeEngine, ipJson, ping, standInContainer, uniqueName, type Teardown } from './helpers';

const cli = join(__dirname, '..', 'dist', 'cli.js');
const runFile = promisify(execFile);

/** Unique namespace names for a document's placeholders. */
function names(...tags: string[]): Record<string, string> {
  return Object.fromEntries(tags.map((tag) => [tag, uniqueName(tag)]));
}

/** Applies in teardown the destroy (and removes any namespace left), pass or fail. */
function cleanup(t: Teardown, topo: () => Topology, ns: Record<string, string>): void {
  t.teardown(async () => {
    await topo().destroy().catch(() => undefined);
    for (const n of Object.values(ns)) await Netns.delete(n).catch(() => undefined);
  });
}

/** What `ip -j` says of a namespace: links, addresses (no link-local), routes of every table. */
function dump(ns: string): unknown {
  const links = ipJson(ns, '-d', 'link').map((l: any) => ({ ifname: l.ifname, kind: l.linkinfo?.info_kind ?? null, mtu: l.mtu, master: l.master ?? null, up: (l.flags as string[]).includes('UP'), ifindex: l.ifindex }));
  const addrs = ipJson(ns, 'addr').flatMap((l: any) => (l.addr_info as any[]).filter((a) => !String(a.local).startsWith('fe80')).map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`)).sort();
  const routes = ipJson(ns, 'route', 'show', 'table', 'all').filter((r: any) => !String(r.dst).startsWith('fe80') && r.table !== 'local').map((r: any) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''} ${r.table ?? 'main'}`).sort();
  const routes6 = ipJson(ns, '-6', 'route', 'show', 'table', 'all').filter((r: any) => !String(r.dst).startsWith('fe80') && r.table !== 'local' && r.dst !== 'multicast').map((r: any) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''}`).sort();
  return { links, addrs, routes, routes6 };
}

const exists = (ns: string): boolean => existsSync(`/run/netns/${ns}`);

/** The router lab of the tutorial: node1 — router1 — router2 — node2, IPv4 and IPv6, static routes. */
function routerLab(n: Record<string, string>, name: string): TopologyDocument {
  const fwd = { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 };
  return {
    name,
    namespaces: { [n.node1!]: {}, [n.router1!]: { sysctl: fwd }, [n.router2!]: { sysctl: fwd }, [n.node2!]: {} },
    links: [
      { a: { netns: n.node1!, name: 'eth0', addresses: ['192.0.2.10/24', '2001:db8:1::10/64'] }, b: { netns: n.router1!, name: 'left', addresses: ['192.0.2.1/24', '2001:db8:1::1/64'] } },
      { a: { netns: n.router1!, name: 'right', addresses: ['198.18.0.1/30', '2001:db8:9::1/64'] }, b: { netns: n.router2!, name: 'left', addresses: ['198.18.0.2/30', '2001:db8:9::2/64'] } },
      [`${n.router2}:right`, `${n.node2}:eth0`],
    ],
    addresses: { [`${n.router2}:right`]: ['198.51.100.1/24', '2001:db8:2::1/64'], [`${n.node2}:eth0`]: ['198.51.100.10/24', '2001:db8:2::10/64'] },
    routes: {
      [n.node1!]: [{ to: 'default', via: '192.0.2.1' }, { to: 'default', via: '2001:db8:1::1' }],
      [n.node2!]: [{ to: 'default', via: '198.51.100.1' }, { to: 'default', via: '2001:db8:2::1' }],
      [n.router1!]: [{ to: '198.51.100.0/24', via: '198.18.0.2' }, { to: '2001:db8:2::/64', via: '2001:db8:9::2' }],
      [n.router2!]: [{ to: '192.0.2.0/24', via: '198.18.0.1' }, { to: '2001:db8:1::/64', via: '2001:db8:9::1' }],
    },
  };
}

t.test('the router lab as a document: applied, pinged across in IPv4 and IPv6, applied again with nothing to do, destroyed', async (t) => {
  const n = names('node1', 'router1', 'router2', 'node2');
  const name = uniqueName('lab');
  const doc = routerLab(n, name);
  const topo = Topology.from(doc);
  cleanup(t, () => topo, n);
  const plan = await topo.plan();
  t.match(String(plan), new RegExp(`^ip netns add ${n.node1}$`, 'mu'), 'the plan reads as ip commands');
  t.match(String(plan), new RegExp(`^ip -n ${n.node1} route add default via 192\\.0\\.2\\.1$`, 'mu'));
  t.ok(Object.values(n).every((x) => !exists(x)), 'plan changed nothing');
  const progress: number[] = [];
  const result = await topo.apply({ onProgress: (p) => progress.push(p.done) });
  t.equal(result.changes.length, plan.changes.length, 'apply made the planned changes');
  t.same(progress, plan.changes.map((_, i) => i + 1), 'progress reported for each');
  t.ok(await ping(n.node1!, '198.51.100.10'), 'node1 reaches node2 over both routers (IPv4)');
  // IPv6 waits for duplicate address detection of the routers' link-local addresses (a second or two).
  t.ok(await eventually(() => ping(n.node1!, '2001:db8:2::10', 1), 5000), 'and in IPv6');
  t.match(ipJson(n.node2!, 'addr', 'show', 'dev', 'eth0')[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`), ['198.51.100.10/24', '2001:db8:2::10/64']);
  t.equal(ipJson(n.router1!, 'link', 'show', 'lo')[0].flags.includes('UP'), true, 'lo up');
  t.equal(execFileSync('ip', ['netns', 'exec', n.router2!, 'sysctl', '-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' }).trim(), '1');

  const again = await topo.apply();
  t.equal(again.changes.length, 0, 'a second apply makes no change');
  t.equal(String(again), `${name}: nothing to do`);
  t.ok((await topo.plan()).empty);

  const gone = await topo.destroy();
  t.equal(gone.removed.length, 4, 'the four namespaces removed');
  t.ok(Object.values(n).every((x) => !exists(x)), 'nothing left');
  t.equal(String(await topo.destroy()), `${name}: nothing to destroy`, 'destroying again is fine');
});

t.test('two stations, one a stand-in container by pid; and a bridge with two hosts behind it with default routes', async (t) => {
  const c = await standInContainer(t);
  const n = names('station', 'app', 'sw', 'ns1', 'ns2');
  const doc: TopologyDocument = {
    name: uniqueName('tut'),
    namespaces: {
      [n.station!]: {},
      [n.app!]: { pid: c.pid },
      [n.sw!]: { bridges: { br0: { addresses: ['203.0.113.1/24'] } } },
      [n.ns1!]: {},
      [n.ns2!]: {},
    },
    links: [
      [`${n.station}:eth0`, `${n.app}:eth0`],
      { a: { netns: n.ns1!, name: 'eth0', addresses: ['203.0.113.11/24'] }, b: { netns: n.sw!, name: 'p1', master: 'br0' } },
      { a: { netns: n.ns2!, name: 'eth0', addresses: ['203.0.113.12/24'] }, b: { netns: n.sw!, name: 'p2', master: 'br0' } },
    ],
    addresses: { [`${n.station}:eth0`]: ['192.0.2.1/24'], [`${n.app}:eth0`]: ['192.0.2.2/24'] },
    routes: { [n.ns1!]: [{ to: 'default', via: '203.0.113.1' }], [n.ns2!]: [{ to: 'default', via: '203.0.113.1' }] },
  };
  const topo = Topology.from(doc);
  cleanup(t, () => topo, n);
  await topo.apply();
  t.ok(await ping(n.station!, '192.0.2.2'), 'the station reaches the container');
  t.ok(await ping(n.ns1!, '203.0.113.12'), 'ns1 reaches ns2 across the bridge');
  t.ok(await ping(n.ns2!, '203.0.113.1'), 'ns2 reaches the bridge');
  t.same(ipJson(n.sw!, 'link', 'show', 'master', 'br0').map((l: any) => l.ifname).sort(), ['p1', 'p2']);
  const app = await Netns.open(n.app!);
  const pidNs = await Netns.fromPid(c.pid);
  t.ok(app.equals(pidNs), 'the attached name is the container\'s namespace');
  app.close();
  pidNs.close();
  t.equal((await topo.apply()).changes.length, 0, 'idempotent');
  await topo.destroy();
  t.ok([n.station, n.sw, n.ns1, n.ns2, n.app].every((x) => !exists(x!)), 'made namespaces deleted, the container\'s name removed');
  const still = await Netns.fromPid(c.pid);
  t.same((await still.links()).map((l) => l.name), ['lo'], 'the container\'s namespace lives on, without our link');
  still.close();
});

t.test('an edited document changes only the difference; drift is found and put back', async (t) => {
  const n = names('a', 'b', 'c');
  const name = uniqueName('edit');
  const base: TopologyDocument = {
    name,
    namespaces: { [n.a!]: {}, [n.b!]: {} },
    links: [{ a: { netns: n.a!, name: 'eth0', addresses: ['192.0.2.1/24'], mtu: 1400 }, b: { netns: n.b!, name: 'eth0', addresses: ['192.0.2.2/24'] } }],
    routes: { [n.a!]: [{ to: '198.51.100.0/24', via: '192.0.2.2' }, { to: '203.0.113.0/24', via: '192.0.2.2' }] },
  };
  let topo = Topology.from(base);
  cleanup(t, () => topo, n);
  await topo.apply();
  const before = (ns: string) => (dump(ns) as { links: { ifname: string; ifindex: number }[] }).links;
  const indexA = before(n.a!).find((l) => l.ifname === 'eth0')!.ifindex;
  const inode = (await Netns.open(n.a!)).inode;

  // A host added, a route removed, an address changed.
  const edited = structuredClone(base);
  edited.namespaces[n.c!] = {};
  edited.links!.push([`${n.b}:eth1`, `${n.c}:eth0`]);
  edited.addresses = { [`${n.b}:eth1`]: ['198.51.100.1/24'], [`${n.c}:eth0`]: ['198.51.100.2/24'] };
  edited.routes![n.a!] = [{ to: '198.51.100.0/24', via: '192.0.2.2' }];
  (edited.links![0] as { a: { addresses: string[] } }).a.addresses = ['192.0.2.11/24'];
  topo = Topology.from(edited);
  const plan = (await topo.plan()).changes.map(describeChange);
  t.same(plan, [
    `ip netns add ${n.c}`,
    `ip -n ${n.b} link add eth1 up type veth peer name eth0 netns ${n.c}`,
    `ip -n ${n.a} addr del 192.0.2.1/24 dev eth0`,
    `ip -n ${n.c} link set eth0 up`,
    `ip -n ${n.c} link set lo up`,
    `ip -n ${n.a} addr add 192.0.2.11/24 dev eth0`,
    `ip -n ${n.b} addr add 198.51.100.1/24 dev eth1`,
    `ip -n ${n.c} addr add 198.51.100.2/24 dev eth0`,
    `ip -n ${n.a} route del 203.0.113.0/24 via 192.0.2.2`,
  ], 'only the difference');
  const applied = (await topo.apply()).changes.map(describeChange);
  // The kernel took the routes through eth0 with its last IPv4 address: a second pass puts back the one that stays.
  t.same(applied.slice(plan.length), [`ip -n ${n.a} route add 198.51.100.0/24 via 192.0.2.2`], 'and what the kernel took along, again');
  t.ok((await topo.plan()).empty, 'then nothing to do');
  t.equal(before(n.a!).find((l) => l.ifname === 'eth0')!.ifindex, indexA, 'what stays is not recreated (same ifindex)');
  t.equal((await Netns.open(n.a!)).inode, inode, 'nor its namespace');
  t.ok(await ping(n.c!, '198.51.100.1'));

  // Drift: a route deleted and a link set down by hand with ip.
  execFileSync('ip', ['-n', n.a!, 'route', 'del', '198.51.100.0/24']);
  execFileSync('ip', ['-n', n.b!, 'link', 'set', 'eth0', 'down']);
  execFileSync('ip', ['-n', n.b!, 'link', 'set', 'eth0', 'mtu', '1300']);
  const drift = (await topo.plan()).changes.map(describeChange);
  t.same(drift.sort(), [`ip -n ${n.a} route add 198.51.100.0/24 via 192.0.2.2`, `ip -n ${n.b} link set eth0 up`].sort(), 'plan shows the drift (an mtu the document leaves open is not drift)');
  await topo.apply();
  t.ok((await topo.plan()).empty, 'apply put it back');
  t.ok(ipJson(n.a!, 'route').some((r: any) => r.dst === '198.51.100.0/24' && r.gateway === '192.0.2.2'));

  // A route's gateway changed, and an address with it: the old route goes and the new comes in
  // the one batch of that namespace, in that order (the kernel would refuse the new one while
  // the old one holds its key).
  const regated = structuredClone(edited);
  regated.routes![n.a!] = [{ to: '198.51.100.0/24', via: '192.0.2.3' }];
  (regated.links![0] as { a: { addresses: string[] } }).a.addresses = ['192.0.2.11/24', '192.0.2.12/24'];
  topo = Topology.from(regated);
  const next = (await topo.plan()).changes.map(describeChange);
  t.same(next, [`ip -n ${n.a} addr add 192.0.2.12/24 dev eth0`, `ip -n ${n.a} route del 198.51.100.0/24 via 192.0.2.2`, `ip -n ${n.a} route add 198.51.100.0/24 via 192.0.2.3`], 'the address, then the old route deleted, then the new one');
  t.same((await topo.apply()).changes.map(describeChange), next, 'applied as planned, in one pass');
  t.same(ipJson(n.a!, 'route', 'show', '198.51.100.0/24').map((r: any) => r.gateway), ['192.0.2.3'], 'the kernel has the new gateway only');
  t.ok((await topo.plan()).empty, 'then nothing to do');
});

t.test('rollback: a change that fails undoes everything the apply did, to the byte of every dump', async (t) => {
  const n = names('r1', 'r2', 'r3', 'r4', 'r5');
  const name = uniqueName('rb');
  const hosts = Object.values(n);
  // An applied topology, then an edit of about 100 changes of which one fails.
  const base: TopologyDocument = {
    name,
    namespaces: Object.fromEntries(hosts.slice(0, 3).map((h) => [h, {}])),
    links: [{ a: { netns: hosts[0]!, name: 'eth0', addresses: ['192.0.2.1/24'] }, b: { netns: hosts[1]!, name: 'eth0', addresses: ['192.0.2.2/24'] } }],
    routes: { [hosts[0]!]: [{ to: '198.51.100.0/24', via: '192.0.2.2' }] },
  };
  let topo = Topology.from(base);
  cleanup(t, () => topo, n);
  await topo.apply();
  const snapshot = () => ({ names: hosts.map(exists), dumps: hosts.slice(0, 3).map((h) => dump(h)), record: null });
  const before = snapshot();

  const big = structuredClone(base);
  big.namespaces[hosts[3]!] = { sysctl: { 'net.ipv4.ip_forward': 1 } };
  big.namespaces[hosts[4]!] = {};
  big.namespaces[hosts[1]!] = { sysctl: { 'net.ipv4.ip_forward': 1 }, bridges: { br0: { addresses: ['203.0.113.1/24'], mtu: 1450 } } };
  big.links!.push([`${hosts[2]}:eth0`, `${hosts[3]}:eth0`]);
  (big.links![0] as { a: { mtu: number; addresses: string[] } }).a.mtu = 1400;
  (big.links![0] as { a: { addresses: string[] } }).a.addresses = ['192.0.2.1/24', '192.0.2.100/24'];
  const extra: [string, string][] = [];
  for (let i = 0; i < 18; i++) extra.push([`${hosts[4]}:v${i}`, `${hosts[1]}:p${i}`]);
  big.links!.push(...extra.map(([a, b], i) => ({ a: { netns: a.split(':')[0]!, name: a.split(':')[1]!, addresses: [`198.18.${i}.2/24`, `2001:db8:${i + 10}::2/64`] }, b: { netns: b.split(':')[0]!, name: b.split(':')[1]!, master: 'br0' } })));
  big.routes![hosts[4]!] = extra.map((_, i) => ({ to: `198.19.${i}.0/24`, via: `198.18.${i}.1` }));
  // The kernel refuses a gateway no subnet reaches: ENETUNREACH.
  big.routes![hosts[4]!]!.push({ to: '203.0.113.128/25', via: '203.0.113.99' });
  big.routes![hosts[0]!] = [];
  topo = Topology.from(big);
  const planned = (await topo.plan()).changes.length;
  t.ok(planned >= 100, `a large apply (${planned} changes)`);
  const e = await topo.apply().then(() => null, (x: unknown) => x);
  t.type(e, TopologyApplyError);
  const err = e as TopologyApplyError;
  t.equal(err.restored, true, 'restored');
  t.match(err.message, /route add 203\.0\.113\.128\/25 via 203\.0\.113\.99: .*ENETUNREACH.*; the state from before this apply was restored/u);
  t.same(snapshot(), before, 'every namespace as before: the new ones gone, links, mtu, addresses, routes, sysctls back');
  t.equal(execFileSync('ip', ['netns', 'exec', hosts[1]!, 'sysctl', '-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' }).trim(), '0', 'the sysctl set back');
  t.equal((await Topology.from(base).apply()).changes.length, 0, 'the old document still matches: nothing to do');

  // A failure in the 40th change, made by the progress callback throwing: the same restoration.
  const fixed = structuredClone(big);
  fixed.routes![hosts[4]!]!.pop();
  topo = Topology.from(fixed);
  const e2 = await topo.apply({ onProgress: (p) => {
    if (p.done === 40) throw new Error('stop at 40');
  } }).then(() => null, (x: unknown) => x);
  t.type(e2, TopologyApplyError);
  t.equal((e2 as TopologyApplyError).restored, true);
  t.same(snapshot(), before, 'after a failure at the 40th change, too');
  topo = Topology.from(base);
});

t.test('a container found through the Docker Engine API, attached under its name, never deleted', async (t) => {
  const c = await standInContainer(t);
  const socket = await fakeEngine(t, { web: { Pid: c.pid, Running: true, Status: 'running' } });
  const n = names('host', 'web');
  const topo = Topology.from({
    name: uniqueName('ctr'),
    namespaces: { [n.host!]: {}, [n.web!]: { container: 'web', socket } },
    links: [{ a: { netns: n.host!, name: 'veth0', addresses: ['192.0.2.1/24'] }, b: { netns: n.web!, name: 'eth1', addresses: ['192.0.2.2/24'] } }],
  });
  cleanup(t, () => topo, n);
  t.match(String(await topo.plan()), new RegExp(`ip netns attach ${n.web} \\$\\(docker inspect -f '\\{\\{\\.State\\.Pid\\}\\}' web\\)`, 'u'));
  await topo.apply();
  t.ok(await ping(n.host!, '192.0.2.2'), 'the host reaches the container on eth1');
  t.equal((await topo.apply()).changes.length, 0);
  await topo.destroy();
  t.notOk(exists(n.web!), 'the name removed');
  const still = await Netns.fromPid(c.pid);
  t.same((await still.links()).map((l) => l.name), ['lo'], 'the container lives on without our link');
  still.close();
});

t.test('destroy removes only what the topology made: an attached namespace, a link added by hand', async (t) => {
  const c = await standInContainer(t);
  const n = names('own', 'ctr');
  const topo = Topology.from({
    name: uniqueName('own'),
    namespaces: { [n.own!]: {}, [n.ctr!]: { pid: c.pid } },
    links: [[`${n.own}:eth0`, `${n.ctr}:eth0`]],
  });
  cleanup(t, () => topo, n);
  await topo.apply();
  const own = await Netns.open(n.own!);
  t.teardown(() => own.close());
  await own.createBridge('mine');
  const result = await topo.destroy();
  t.match(result.kept, [new RegExp(`namespace ${n.own}: it holds links the topology did not make \\(mine\\)`, 'u')], 'reported');
  t.ok(exists(n.own!), 'that namespace kept, with the link added by hand');
  t.same((await own.links()).map((l) => l.name).sort(), ['lo', 'mine'], 'our link removed from it, theirs kept');
  t.notOk(exists(n.ctr!), 'the attached name removed');
  const ctr = await Netns.fromPid(c.pid);
  t.same((await ctr.links()).map((l) => l.name), ['lo'], 'the container\'s namespace untouched but for our link');
  ctr.close();
  await own.delete();
});

t.test('bad documents: each refused with its path, nothing changed', async (t) => {
  const ns = uniqueName('bad');
  const ok = { name: 'x', namespaces: { [ns]: {} } };
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 7, /\(document\): must be an object/],
    ['no name', { namespaces: {} }, /^name: is required/m],
    ['a bad name', { name: 'a/b', namespaces: {} }, /^name: .*"a\/b"/m],
    ['no namespaces', { name: 'x' }, /^namespaces: is required/m],
    ['an unknown top-level key', { ...ok, link: [] }, /^link: unknown key/m],
    ['an unknown namespace key', { name: 'x', namespaces: { [ns]: { sysctls: {} } } }, new RegExp(`namespaces\\.${ns}\\.sysctls: unknown key`)],
    ['pid and container', { name: 'x', namespaces: { [ns]: { pid: 1, container: 'c' } } }, /give pid or container, not both/],
    ['a socket without a container', { name: 'x', namespaces: { [ns]: { socket: '/run/docker.sock' } } }, /socket: is the engine of a container: give container too/],
    ['pid 0', { name: 'x', namespaces: { [ns]: { pid: 0 } } }, new RegExp(`namespaces\\.${ns}\\.pid: 0 must be a whole number`)],
    ['a sysctl outside net.*', { name: 'x', namespaces: { [ns]: { sysctl: { 'kernel.hostname': 'x' } } } }, /only net\.\* keys/],
    ['a bridge with a 16-byte name', { name: 'x', namespaces: { [ns]: { bridges: { '0123456789abcdef': {} } } } }, /bridges\.0123456789abcdef: .*must be 1 to 15 bytes/],
    ['a bad bridge mtu', { name: 'x', namespaces: { [ns]: { bridges: { br0: { mtu: 20 } } } } }, /bridges\.br0\.mtu: 20 must be a whole number from 68/],
    ['a link end without a colon', { ...ok, links: [['a', `${ns}:eth0`]] }, /^links\[0\]\[0\]: "a" must be "netns:ifname"/m],
    ['a link to an unknown namespace', { ...ok, links: [[`${ns}:eth0`, 'ghost:eth0']] }, /^links\[0\]\[1\]: namespace "ghost" is not in namespaces/m],
    ['a short link of three', { ...ok, links: [[`${ns}:a`, `${ns}:b`, `${ns}:c`]] }, /^links\[0\]: a short link is .* not 3 items/m],
    ['the example of the issue', { ...ok, links: [[`${ns}:x`, `${ns}:y`], { a: { netns: ns, name: 'eth1', addresses: ['192.0.2.300/24'] }, b: `${ns}:eth2` }] }, /^links\[1\]\.a\.addresses\[0\]: .*"192\.0\.2\.300" is not an IPv4 or IPv6 address/m],
    ['an address without a prefix length', { ...ok, links: [{ a: { netns: ns, name: 'e0', addresses: ['192.0.2.1'] }, b: `${ns}:e1` }] }, /addresses\[0\]: "192\.0\.2\.1" is not an address with its prefix length/],
    ['the same interface twice', { ...ok, links: [[`${ns}:e0`, `${ns}:e1`], [`${ns}:e0`, `${ns}:e2`]] }, /^links\[1\]\[0\]: .*:e0 is declared twice/m],
    ['a master that is no bridge', { ...ok, links: [{ a: { netns: ns, name: 'e0', master: 'br9' }, b: `${ns}:e1` }] }, /master "br9" is no bridge/],
    ['addresses of an unknown interface', { ...ok, addresses: { [`${ns}:nope`]: ['192.0.2.1/24'] } }, /^addresses\..*:nope: .* is no interface of the document/m],
    ['routes of an unknown namespace', { ...ok, routes: { ghost: [] } }, /^routes\.ghost: namespace "ghost" is not in namespaces/m],
    ['a route without to', { ...ok, routes: { [ns]: [{ via: '192.0.2.1' }] } }, new RegExp(`^routes\\.${ns}\\[0\\]\\.to: is required`, 'm')],
    ['a route with neither via nor dev', { ...ok, routes: { [ns]: [{ to: 'default' }] } }, /needs via or dev/],
    ['a gateway of the other family', { ...ok, routes: { [ns]: [{ to: '192.0.2.0/24', via: '2001:db8::1' }] } }, /via: 2001:db8::1 is IPv6, but to 192\.0\.2\.0\/24 is IPv4/],
    ['a route via an unknown dev', { ...ok, routes: { [ns]: [{ to: '192.0.2.0/24', dev: 'eth9' }] } }, /dev: eth9 is no interface/],
    ['the same route twice', { ...ok, routes: { [ns]: [{ to: 'default', dev: 'lo' }, { to: 'default', dev: 'lo' }] } }, /the same route is given twice/],
    ['up not a boolean', { ...ok, links: [{ a: { netns: ns, name: 'e0', up: 'yes' }, b: `${ns}:e1` }] }, /links\[0\]\.a\.up: "yes" must be true or false/],
  ];
  t.ok(cases.length >= 20, `${cases.length} bad documents`);
  const netnsBefore = await Netns.list();
  for (const [what, doc, message] of cases) {
    const e = (() => {
      try {
        Topology.from(doc);
        return null;
      } catch (x) {
        return x;
      }
    })();
    t.type(e, TopologyError, `${what}: a TopologyError`);
    t.match((e as TopologyError | null)?.problems.join('\n'), message, `${what}: names the path`);
  }
  const several = (() => {
    try {
      Topology.from({ name: 'x', namespaces: { [ns]: { pid: 0 } }, links: [['a', 'b']] });
    } catch (x) {
      return x as TopologyError;
    }
    return null;
  })();
  t.ok((several?.problems.length ?? 0) >= 3, 'every problem is listed, not only the first');
  t.throws(() => Topology.parse('name: [unclosed'), TopologyError, 'YAML that does not parse');
  // Other test files run meanwhile: what is compared is what these documents name.
  const named = new Set(cases.flatMap(([, doc]) => Object.keys((doc as { namespaces?: object } | null)?.namespaces ?? {})));
  t.same((await Netns.list()).filter((x) => named.has(x)), netnsBefore.filter((x) => named.has(x)), 'nothing changed: no namespace a document names was made');
  t.notOk(existsSync('/run/netns-link/topologies/x.json'), 'and nothing recorded');
});

t.test('the CLI: plan, apply, show, destroy as child processes; two applies racing', async (t) => {
  const n = names('c1', 'c2');
  const name = uniqueName('cli');
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-topology-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, `name: ${name}
namespaces:
  ${n.c1}: {}
  ${n.c2}:
    bridges:
      br0: { addresses: [203.0.113.1/24] }
links:
  - a: { netns: ${n.c1}, name: eth0, addresses: [203.0.113.10/24] }
    b: { netns: ${n.c2}, name: p1, master: br0 }
routes:
  ${n.c1}: [ { to: default, via: 203.0.113.1 } ]
`);
  const topo = Topology.parse(`name: ${name}\nnamespaces: {}\n`);
  cleanup(t, () => topo, n);
  const cmd = (...args: string[]) => runFile(process.execPath, [cli, ...args]).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
  const plan = await cmd('plan', file);
  t.equal(plan.code, 0);
  t.match(plan.stdout, new RegExp(`^ip netns add ${n.c1}$`, 'm'));
  const shown = await cmd('show', file, '--format', 'mermaid');
  t.match(shown.stdout, /^graph LR$/m);
  t.match(shown.stdout, /p1 -\.- .*br0/);
  t.match((await cmd('show', file, '--format=dot')).stdout, /^graph ".*" \{$/m);
  t.equal((await cmd('show', file, '--format', 'svg')).code, 2, 'a bad format is a usage error');
  t.equal((await cmd('plan')).code, 2, 'no FILE: usage error');

  // Two applies at once: one makes the changes, the other waits for it and finds nothing to do.
  const [x, y] = await Promise.all([cmd('apply', file), cmd('apply', file)]);
  t.same([x.code, y.code], [0, 0]);
  t.same([x.stdout, y.stdout].map((o) => o.trim().split('\n').pop()).sort(), [`${name}: ${plan.stdout.trim().split('\n').length} changes made`, `${name}: nothing to do`].sort());
  t.ok(await ping(n.c1!, '203.0.113.1'));
  const again = await cmd('apply', file, '--dry-run');
  t.equal(again.stdout.trim(), `${name}: nothing to do`);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: x\nnamespaces: { a: { pid: 0 } }\nlinks: [[a, b]]\n');
  const refused = await cmd('apply', bad);
  t.equal(refused.code, 1, 'a bad document: exit 1');
  t.match(refused.stderr, /bad topology document:\n {2}namespaces\.a\.pid: 0 must be/);
  const destroyed = await cmd('destroy', file);
  t.equal(destroyed.code, 0);
  t.ok(!exists(n.c1!) && !exists(n.c2!), 'destroyed');
});
