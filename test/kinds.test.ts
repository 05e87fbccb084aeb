// More kinds of link: macvlan modes with real traffic, mode changes, vxlan and tun/tap read
// back against `ip -j -d link`, and the kinds this kernel lacks refused cleanly.
import t from 'tap';
import { constants } from 'node:os';
import { NetlinkError, Netns } from '../dist/index.js';
import { native } from '../dist/native.js';
import { execFileSync } from 'node:child_process';
import { eventually, ipJson, ipLink, namedNetns, ping } from './helpers';

function userName(uid: number): string {
  try {
    return execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8' }).split(':')[0]!;
  } catch {
    return String(uid);
  }
}

/** What a refusal must leave as it was: the links and their kinds (operstate may move on its own). */
const shape = (ns: Netns): string => JSON.stringify(ipLink(ns.name!).map((l: any) => [l.ifname, l.linkinfo?.info_kind ?? null, l.mtu, l.address]).sort());

t.test('Netns.supports answers from the kernel', async (t) => {
  t.equal(await Netns.supports('veth'), true);
  t.equal(await Netns.supports('macvlan'), true);
  t.equal(await Netns.supports('no-such-kind'), false);
  await t.rejects(Netns.supports('Bad Kind'), TypeError);
});

t.test('Netns.supports remembers answers, never failures', async (t) => {
  // The throwaway namespace cannot be made once: the question fails, and is asked again next time.
  native.injectFault('create.socket', constants.errno.EMFILE);
  t.teardown(() => native.injectFault('', 0));
  await t.rejects(Netns.supports('vxlan'), { code: 'EMFILE' });
  t.equal(await Netns.supports('vxlan'), true, 'asked again, answered');
  native.injectFault('create.socket', constants.errno.EMFILE);
  t.equal(await Netns.supports('vxlan'), true, 'the answer is remembered: no namespace needed');
  native.injectFault('', 0);
});

t.test('macvlan on a veth parent, in two namespaces: bridge mode passes, private and vepa do not', async (t) => {
  const [hub, a, b] = (await namedNetns(t, 'mv', 3)) as [Netns, Netns, Netns];
  await hub.createVeth('p0', { peer: 'p1', up: true });
  await hub.setUp('p1');
  await hub.createMacvlan('mv1', { parent: 'p0', mode: 'bridge', netns: a, up: true });
  await hub.createMacvlan('mv2', { parent: 'p0', mode: 'bridge', netns: b, up: true });
  t.same(ipLink(hub.name!).map((l: any) => l.ifname).sort(), ['lo', 'p0', 'p1'], 'created directly in their namespaces');
  await a.addAddress('mv1', '192.0.2.1/24');
  await b.addAddress('mv2', '192.0.2.2/24');
  t.ok(await ping(a.name!, '192.0.2.2'), 'bridge mode: the two reach each other');

  for (const mode of ['private', 'vepa'] as const) {
    await a.setLinkType('mv1', { kind: 'macvlan', mode });
    await b.setLinkType('mv2', { kind: 'macvlan', mode });
    t.same((await a.link('mv1')).info, { kind: 'macvlan', mode, flags: 0 }, `${mode}: reads back`);
    t.equal(ipLink(b.name!, 'mv2')[0].linkinfo.info_data.mode, mode, `${mode}: as ip -d link shows`);
    t.notOk(await ping(a.name!, '192.0.2.2'), `${mode} mode: no traffic between siblings`);
  }
  await a.setLinkType('mv1', { kind: 'macvlan', mode: 'bridge' });
  await b.setLinkType('mv2', { kind: 'macvlan', mode: 'bridge' });
  t.ok(await ping(a.name!, '192.0.2.2'), 'bridge mode again: traffic again');
  await t.rejects(a.setLinkType('mv1', { kind: 'macvlan', mode: 'passthru' }), { code: 'EINVAL' }, 'passthru cannot be switched to');
});

t.test('a macvlan over a parent without carrier reports LOWERLAYERDOWN', async (t) => {
  const [hub] = (await namedNetns(t, 'lld')) as [Netns];
  await hub.createVeth('q0', { peer: 'q1', up: true }); // q1 stays down: q0 has no carrier
  await hub.createMacvtap('mt0', { parent: 'q0', mode: 'bridge', up: true });
  t.ok(await eventually(async () => (await hub.link('mt0')).operstate === 'LOWERLAYERDOWN'), 'operstate LOWERLAYERDOWN');
  t.equal(ipLink(hub.name!, 'mt0')[0].operstate, 'LOWERLAYERDOWN');
  t.equal((await hub.link('mt0')).info?.kind, 'macvtap');
  await hub.setUp('q1');
  t.ok(await eventually(async () => (await hub.link('mt0')).operstate === 'UP'), 'and UP once the parent has carrier');
});

t.test('vxlan: created, read back, compared with ip -j -d link', async (t) => {
  const [ns] = (await namedNetns(t, 'vx')) as [Netns];
  await ns.createVeth('u0', { peer: 'u1', up: true });
  await ns.createVxlan('vx0', { id: 4242, remote: '198.51.100.7', local: '192.0.2.1', dev: 'u0', ttl: 32, learning: false, port: 4790 });
  await ns.createVxlan('vx1', { id: 7, group: '239.1.1.1', dev: 'u0' });
  await ns.createVxlan('vx6', { id: 8, remote: '2001:db8::7', local: '2001:db8::1' });
  const [ip0] = ipLink(ns.name!, 'vx0');
  const l0 = await ns.link('vx0');
  t.match(l0.info, { kind: 'vxlan', id: 4242, remote: '198.51.100.7', local: '192.0.2.1', port: 4790, ttl: 32, learning: false });
  t.match(ip0.linkinfo.info_data, { id: 4242, remote: '198.51.100.7', local: '192.0.2.1', port: 4790, ttl: 32, learning: false });
  t.equal((l0.info as { link: number }).link, (await ns.link('u0')).index, 'dev u0');
  t.equal((l0.info as { dev: string }).dev, 'u0', 'and its name, as ip -d link prints dev');
  t.equal(((await ns.links()).find((l) => l.name === 'vx0')!.info as { dev: string }).dev, 'u0', 'in a dump too');
  t.match((await ns.link('vx1')).info, { id: 7, group: '239.1.1.1', remote: null, port: 4789 });
  t.equal(ipLink(ns.name!, 'vx1')[0].linkinfo.info_data.group, '239.1.1.1');
  t.match((await ns.link('vx6')).info, { remote: '2001:db8::7', local: '2001:db8::1' });
  t.equal(ipLink(ns.name!, 'vx6')[0].linkinfo.info_data.remote6, '2001:db8::7');
  await t.rejects(ns.createVxlan('vx9', { id: 2 ** 24 }), RangeError);
  await t.rejects(ns.createVxlan('vx9', { id: 1, remote: '239.1.1.1' }), TypeError, 'a multicast remote');
  await t.rejects(ns.createVxlan('vx9', { id: 1, group: '192.0.2.1', dev: 'u0' }), TypeError, 'a unicast group');
  await t.rejects(ns.createVxlan('vx9', { id: 1, group: '239.1.1.1' }), TypeError, 'a group without dev');
});

t.test('vxlan: l2miss, l3miss, checksums, tos, df, flow label, ageing, maxaddress, srcport, proxy, rsc — as ip -j -d link reads them', async (t) => {
  const [ns] = (await namedNetns(t, 'vxo')) as [Netns];
  await ns.createVxlan('vx0', {
    id: 43, remote: '198.51.100.7', l2miss: true, l3miss: true, udpCsum: true, tos: 0x16, df: 'set', ageing: 120, maxAddress: 100,
    srcPortRange: [5000, 6000], proxy: true, rsc: true,
  });
  await ns.createVxlan('vx6', { id: 44, remote: '2001:db8::7', udp6ZeroCsumTx: true, udp6ZeroCsumRx: true, flowlabel: 7, df: 'inherit', tos: 'inherit' });
  const info0 = (await ns.link('vx0')).info;
  t.match(info0, { kind: 'vxlan', l2miss: true, l3miss: true, udpCsum: true, tos: 0x16, df: 'set', ageing: 120, maxAddress: 100, srcPortRange: [5000, 6000], proxy: true, rsc: true, udp6ZeroCsumTx: false });
  t.match(ipLink(ns.name!, 'vx0')[0].linkinfo.info_data, { l2miss: true, l3miss: true, udp_csum: true, tos: '0x16', df: 'set', ageing: 120, limit: 100, port_range: { low: 5000, high: 6000 }, proxy: true, rsc: true });
  const info6 = (await ns.link('vx6')).info;
  t.match(info6, { udp6ZeroCsumTx: true, udp6ZeroCsumRx: true, flowlabel: 7, df: 'inherit', tos: 1, l2miss: false, proxy: false });
  // tos inherit is 1 on the wire; ip 6.1 prints it as 0x1.
  t.match(ipLink(ns.name!, 'vx6')[0].linkinfo.info_data, { udp_zero_csum6_tx: true, udp_zero_csum6_rx: true, label: '0x7', df: 'inherit', tos: '0x1' });
  // Changed in place, as ip link set … type vxlan does; what the kernel cannot change it says so.
  await ns.setLinkType('vx0', { kind: 'vxlan', ageing: 60 });
  t.match((await ns.link('vx0')).info, { ageing: 60, l2miss: true, l3miss: true });
  await t.rejects(ns.setLinkType('vx0', { kind: 'vxlan', l2miss: false }), { code: 'EOPNOTSUPP', kernelMessage: 'vxlan: cannot change L2MISS flag', message: /does not change this setting of a vxlan in place/u });
  await t.rejects(ns.createVxlan('vx9', { id: 1, df: 'maybe' as never }), { name: 'TypeError', message: /df "maybe" must be one of unset, set, inherit/u });
  await t.rejects(ns.createVxlan('vx9', { id: 1, srcPortRange: [6000, 5000] }), { name: 'RangeError', message: /high is below low/u });
  await t.rejects(ns.createVxlan('vx9', { id: 1, flowlabel: 0x100000 }), { name: 'RangeError', message: /flowlabel/u });
  await t.rejects(ns.createVxlan('vx9', { id: 1, remote: '198.51.100.7', flowlabel: 7 }), { code: 'EINVAL' }, 'a flow label over IPv4: the kernel refuses it');
});

t.test('tap and tun: persistent devices, read back, compared with ip -j -d link', async (t) => {
  const [ns, other] = (await namedNetns(t, 'tap', 2)) as [Netns, Netns];
  await ns.createTap('tap0', { owner: 1000, group: 1000, multiQueue: true });
  await ns.createTun('tun0', { pi: true });
  await ns.createTap('tap9', { netns: other });
  const tap = await ns.link('tap0');
  t.match(tap.info, { kind: 'tun', type: 'tap', owner: 1000, group: 1000, multiQueue: true, persist: true, pi: false });
  const [ipTap] = ipLink(ns.name!, 'tap0');
  t.match(ipTap.linkinfo.info_data, { type: 'tap', pi: false, multi_queue: true, persist: true });
  t.ok(['1000', userName(1000)].includes(ipTap.linkinfo.info_data.user), `ip shows owner ${ipTap.linkinfo.info_data.user}`);
  t.match((await ns.link('tun0')).info, { type: 'tun', pi: true, persist: true });
  t.equal(ipLink(ns.name!, 'tun0')[0].linkinfo.info_data.type, 'tun');
  t.same(ipLink(other.name!).map((l: any) => l.ifname).sort(), ['lo', 'tap9'], 'made inside the other namespace');
  await t.rejects(ns.createTap('tap0'), { code: 'EEXIST' }, 'not silently attached to the existing one');
  await ns.deleteLink('tap0');
  t.same(ipJson(ns.name!, 'link', 'show').map((l: any) => l.ifname).sort(), ['lo', 'tun0']);
});

t.test('the generic createLink, and bad kind options refused before any syscall', async (t) => {
  const [ns] = (await namedNetns(t, 'gen')) as [Netns];
  await ns.createVeth('e0', { peer: 'e1' });
  await ns.createLink({ kind: 'macvlan', name: 'g0', parent: 'e0', mode: 'private', mtu: 1400, address: '02:00:5e:00:53:77', txqlen: 100 });
  const [ip] = ipLink(ns.name!, 'g0');
  t.match(ip, { mtu: 1400, address: '02:00:5e:00:53:77', txqlen: 100, linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } });
  t.equal(ip.link, 'e0', 'on parent e0');
  const before = shape(ns);
  const bad: [() => Promise<unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
    [() => ns.createMacvlan('g1', { parent: 'e0', mode: 'bogus' as never }), TypeError, /"bogus"/],
    [() => ns.createMacvlan('g1', { parent: 'e0', mode: 'toString' as never }), TypeError, /"toString"/],
    [() => ns.createIpvlan('g1', { parent: 'e0', mode: 'l2', flags: 'constructor' as never }), TypeError, /"constructor"/],
    [() => ns.createMacvlan('g1', {} as never), TypeError, /needs a parent/],
    [() => ns.createVlan('g1', { parent: 'e0', id: 5000 }), RangeError, /vlan id 5000/],
    [() => ns.createVlan('g1', { parent: 'e0', id: 5, protocol: '802.1x' as never }), TypeError, /802\.1x/],
    [() => ns.createIpvlan('g1', { parent: 'e0', mode: 'l4' as never }), TypeError, /"l4"/],
    [() => ns.createBond('g1', { mode: 'fastest' as never }), TypeError, /"fastest"/],
    [() => ns.createLink({ kind: 'macvlan', name: 'g1', parent: 'e0', colour: 'blue' } as never), TypeError, /unknown option "colour"/],
    [() => ns.createLink({ kind: 'Not A Kind', name: 'g1' }), TypeError, /"Not A Kind"/],
    [() => ns.createLink({ kind: 'tun', name: 'g1' }), TypeError, /createTun\/createTap/],
    [() => ns.createTap('g1', { owner: -1 }), RangeError, /owner -1/],
    [() => ns.createLink({ kind: 'foo', name: 'g1', data: 'abc' as never }), TypeError, /data must be bytes/],
  ];
  for (const [run, kind, message] of bad) {
    const e = await run().then(() => null, (x: unknown) => x);
    t.ok(e instanceof kind, `${String(message)}: ${kind.name}`);
    t.match((e as Error | null)?.message, message);
  }
  t.equal(shape(ns), before, 'nothing made');
});

for (const [kind, make] of [
  ['vlan', (ns: Netns) => ns.createVlan('e0.100', { parent: 'e0', id: 100, protocol: '802.1ad' })],
  ['dummy', (ns: Netns) => ns.createDummy('dummy0', { up: true })],
  ['ipvlan', (ns: Netns) => ns.createIpvlan('ipv0', { parent: 'e0', mode: 'l3' })],
  ['bond', (ns: Netns) => ns.createBond('bond0', { mode: 'active-backup' })],
] as const) {
  t.test(`${kind}: made where the kernel has it; refused cleanly where it does not`, async (t) => {
    const [ns] = (await namedNetns(t, kind)) as [Netns];
    await ns.createVeth('e0', { peer: 'e1', up: true });
    const before = shape(ns);
    if (await Netns.supports(kind)) {
      await make(ns);
      t.ok(ipLink(ns.name!).some((l: any) => l.linkinfo?.info_kind === kind), `a ${kind} link exists`);
      return;
    }
    const e = await make(ns).then(() => null, (x: unknown) => x);
    t.ok(e instanceof NetlinkError);
    t.match(e, { code: 'EOPNOTSUPP', message: new RegExp(`this kernel has no ${kind} link type`) });
    t.equal(shape(ns), before, 'nothing left behind');
    t.test(`live ${kind} links`, { skip: `this kernel has no ${kind} link type (the request bytes are checked in test/wire-link.test.ts)` }, async () => undefined);
  });
}
