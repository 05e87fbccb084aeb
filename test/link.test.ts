// Links: veth pairs, bridges, moves between namespaces, changes (txqlen, alias, group, flags),
// alternative names, deletes, and the typed Link, each checked against `ip -j -d -s link` in the
// test's own namespaces.
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import t from 'tap';
import { Link, Netns } from '../dist/index.js';
import { eventually, ipLink, namedNetns, standInContainer } from './helpers';

t.test('createVeth: one request makes the peer inside its namespace, on a bridge and up', async (t) => {
  const [a, b] = await namedNetns(t, 'veth', 2);
  await a!.createBridge('br0', { up: true, mtu: 1400 });
  await a!.createVeth('veth0', {
    peer: 'veth1',
    peerNetns: b!,
    mtu: 1400,
    address: '02:00:5e:00:53:01',
    peerAddress: '02:00:5e:00:53:02',
    master: 'br0',
    up: true,
  });
  const [here] = ipLink(a!.name!, 'veth0');
  t.equal(here.ifname, 'veth0');
  t.equal(here.master, 'br0', 'a port of br0');
  t.equal(here.mtu, 1400);
  t.equal(here.address, '02:00:5e:00:53:01');
  t.ok(here.flags.includes('UP'), 'up');
  t.equal(here.linkinfo.info_kind, 'veth');
  t.same(ipLink(a!.name!).map((l: any) => l.ifname).sort(), ['br0', 'lo', 'veth0'], 'the peer is not here');

  const [there] = ipLink(b!.name!, 'veth1');
  t.equal(there.mtu, 1400);
  t.equal(there.address, '02:00:5e:00:53:02');
  t.notOk(there.flags.includes('UP'), 'the peer stays down until set up in its namespace');
  t.equal(there.link_index, here.ifindex, 'peers of each other');
  t.equal(here.link_index, there.ifindex);

  await b!.setUp('veth1');
  t.ok(await eventually(async () => (await a!.link('veth0')).operstate === 'UP'), 'operstate follows carrier');
  const l = await a!.link('veth0');
  t.ok(l instanceof Link);
  t.equal(l.carrier, true);
  t.equal(l.lowerUp, true);
  t.equal(l.kind, 'veth');
  t.equal(l.slaveKind, 'bridge');
  t.equal(l.linkIndex, there.ifindex);
  t.equal(l.linkNetnsId, here.link_netnsid);
  t.match(inspect(l), new RegExp(`^Link <${l.index}: veth0@if${there.ifindex} veth <.*UP.*> mtu 1400 state UP master ${l.master} 02:00:5e:00:53:01 link-netnsid \\d+>$`));
});

t.test('a veth whose peer in another namespace has the same index still names it', async (t) => {
  const [a, b] = await namedNetns(t, 'sameidx', 2);
  await a!.createVeth('v0', { peer: 'v1', peerNetns: b! });
  const [here, there] = [await a!.link('v0'), await b!.link('v1')];
  t.equal(here.index, there.index, 'both are index 2 in their own namespace');
  t.equal(here.linkIndex, there.index);
  t.equal(here.linkIndex, ipLink(a!.name!, 'v0')[0].link_index);
  t.match(inspect(here), /^Link <2: v0@if2 veth/);
});

t.test('links() and link() agree with ip -j -d -s link, field by field', async (t) => {
  const [a, b] = await namedNetns(t, 'dump', 2);
  await a!.createBridge('br0');
  for (let i = 0; i < 5; i++) await a!.createVeth(`v${i}`, { peer: `p${i}`, peerNetns: b!, master: i % 2 ? 'br0' : undefined, up: i < 3 });
  await a!.setUp('lo');
  // Carrier changes reach the flags a moment later (the kernel's link watch): compare once the
  // links have settled, so both views see the same moment.
  const shape = (flags: string[][]): string => JSON.stringify(flags.map((f) => [...f].sort()));
  let ours = await a!.links();
  let theirs = ipLink(a!.name!);
  t.ok(
    await eventually(async () => {
      ours = await a!.links();
      theirs = ipLink(a!.name!);
      const byIdx = new Map(ours.map((l) => [l.index, l.flagNames]));
      return shape(theirs.map((l: any) => l.flags)) === shape(theirs.map((l: any) => byIdx.get(l.ifindex) ?? []));
    }),
    'the links settled',
  );
  t.equal(ours.length, theirs.length);
  const byIndex = new Map(ours.map((l) => [l.index, l]));
  for (const ip of theirs) {
    const l = byIndex.get(ip.ifindex);
    if (!l) {
      t.fail(`no link ${ip.ifindex}`);
      continue;
    }
    t.equal(l.name, ip.ifname, `${ip.ifname}: name`);
    t.equal(l.mtu, ip.mtu, `${ip.ifname}: mtu`);
    t.equal(l.address, ip.address, `${ip.ifname}: address`);
    t.equal(l.broadcast, ip.broadcast, `${ip.ifname}: broadcast`);
    t.equal(l.operstate, ip.operstate, `${ip.ifname}: operstate`);
    t.same([...l.flagNames].sort(), [...ip.flags].sort(), `${ip.ifname}: flags`);
    t.equal(l.kind, ip.linkinfo?.info_kind ?? null, `${ip.ifname}: kind`);
    t.equal(l.txqlen, ip.txqlen, `${ip.ifname}: txqlen`);
    t.equal(l.minMtu, ip.min_mtu, `${ip.ifname}: min mtu`);
    t.equal(l.maxMtu, ip.max_mtu, `${ip.ifname}: max mtu`);
    t.equal(l.linkIndex, ip.link_index ?? null, `${ip.ifname}: link index`);
    t.equal(l.linkNetnsId, ip.link_netnsid ?? null, `${ip.ifname}: link-netnsid`);
    if (ip.master) t.equal(l.master, byIndex.get(l.master!)?.index, `${ip.ifname}: master`);
    else t.equal(l.master, null, `${ip.ifname}: no master`);
    t.equal(l.stats?.rxPackets, ip.stats64.rx.packets, `${ip.ifname}: rx packets`);
    t.equal(l.stats?.txBytes, ip.stats64.tx.bytes, `${ip.ifname}: tx bytes`);
    t.equal(l.stats?.rxDropped, ip.stats64.rx.dropped, `${ip.ifname}: rx dropped`);
  }
  const one = await a!.link('v1');
  t.equal(one.name, 'v1');
  t.equal(byIndex.get(one.master!)?.name, 'br0');
  t.ok(one.attribute(3 /* IFLA_IFNAME */)?.toString().startsWith('v1'), 'any attribute stays readable');
  await t.rejects(a!.link('v9'), { code: 'ENODEV', errno: 19, op: 'link', message: /no interface named v9/ });
});

t.test('moveToNetns: to a named namespace, a process\'s, and a path, renaming on the way', async (t) => {
  const [a, b] = await namedNetns(t, 'move', 2);
  const box = await standInContainer(t);
  const boxNs = await Netns.fromPid(box.pid);
  const byPath = await Netns.fromPath(`/run/netns/${b!.name}`);
  t.teardown(() => {
    boxNs.close();
    byPath.close();
  });
  await a!.createVeth('m0', { peer: 'm1' });
  await a!.createVeth('n0', { peer: 'n1' });

  await a!.moveToNetns('m1', b!);
  t.same(ipLink(b!.name!).map((l: any) => l.ifname).sort(), ['lo', 'm1']);
  await a!.moveToNetns('n1', boxNs, { name: 'eth1' });
  const inBox = JSON.parse(execFileSync('nsenter', [`--net=/proc/${box.pid}/ns/net`, 'ip', '-j', 'link'], { encoding: 'utf8' }));
  t.same(inBox.map((l: any) => l.ifname).sort(), ['eth1', 'lo'], 'renamed to eth1 inside the process\'s namespace');
  await b!.moveToNetns('m1', a!, { name: 'back' });
  await a!.moveToNetns('back', byPath, { name: 'm1b' });
  t.same(ipLink(b!.name!).map((l: any) => l.ifname).sort(), ['lo', 'm1b']);
  t.same(ipLink(a!.name!).map((l: any) => l.ifname).sort(), ['lo', 'm0', 'n0']);
});

t.test('setLink: rename, MTU, MAC, bridge port and back, up and down', async (t) => {
  const [a] = await namedNetns(t, 'set');
  await a!.createBridge('br0');
  await a!.createVeth('s0', { peer: 's1' });
  await a!.setLink('s0', { name: 'eth0', mtu: 9000, address: '02:00:5e:00:53:aa', master: 'br0', up: true });
  let [l] = ipLink(a!.name!, 'eth0');
  t.equal(l.mtu, 9000);
  t.equal(l.address, '02:00:5e:00:53:aa');
  t.equal(l.master, 'br0');
  t.ok(l.flags.includes('UP'));
  await a!.setLink('eth0', { master: null });
  await a!.setDown('eth0');
  [l] = ipLink(a!.name!, 'eth0');
  t.equal(l.master, undefined, 'nomaster');
  t.notOk(l.flags.includes('UP'), 'down');
  const br = (await a!.link('br0')).index;
  await a!.setLink('eth0', { master: br });
  t.equal(ipLink(a!.name!, 'eth0')[0].master, 'br0', 'master by index');
  await t.rejects(a!.setLink('eth0', { colour: 'red' } as never), TypeError);
});

t.test('deleteLink removes both ends of a veth', async (t) => {
  const [a, b] = await namedNetns(t, 'del', 2);
  await a!.createVeth('d0', { peer: 'd1', peerNetns: b! });
  await a!.deleteLink('d0');
  t.same(ipLink(a!.name!).map((l: any) => l.ifname), ['lo']);
  t.same(ipLink(b!.name!).map((l: any) => l.ifname), ['lo']);
  await t.rejects(a!.deleteLink('d0'), { code: 'ENODEV', op: 'deleteLink' });
});

t.test('txqlen and group on create: both ends of a veth, each its own; a bridge; any kind', async (t) => {
  const [a, b] = await namedNetns(t, 'txq', 2);
  await a!.createVeth('q0', { peer: 'q1', peerNetns: b!, txqlen: 500, peerTxqlen: 300, group: 7, peerGroup: 9 });
  await a!.createBridge('br0', { txqlen: 200, group: 4 });
  await a!.createLink({ kind: 'bridge', name: 'br1', txqlen: 100, group: 2 });
  await a!.createVeth('r0', { peer: 'r1' });
  for (const [ns, name, txqlen, group] of [[a!, 'q0', 500, 7], [b!, 'q1', 300, 9], [a!, 'br0', 200, 4], [a!, 'br1', 100, 2]] as const) {
    const [ip] = ipLink(ns.name!, name);
    t.same([ip.txqlen, ip.group], [txqlen, String(group)], `${name}: ip link shows txqlen ${txqlen} group ${group}`);
    t.match(await ns.link(name), { txqlen, group }, `${name}: read back`);
  }
  const [plain] = ipLink(a!.name!, 'r1');
  t.match(await a!.link('r1'), { txqlen: plain.txqlen, group: 0 }, "a peer given none has the kernel's");
  t.equal(plain.group, 'default');
});

t.test('setLink: txqlen, alias, group and the flags promisc, allmulticast, multicast, arp', async (t) => {
  const [a] = await namedNetns(t, 'flags');
  await a!.createVeth('f0', { peer: 'f1', up: true });
  await a!.setLink('f0', { txqlen: 42, alias: 'uplink to the core', group: 3, promisc: true, allmulticast: true, multicast: false, arp: false });
  let [ip] = ipLink(a!.name!, 'f0');
  t.match(ip, { txqlen: 42, ifalias: 'uplink to the core', group: '3', promiscuity: 1, allmulti: 1 });
  t.ok(['PROMISC', 'ALLMULTI', 'NOARP', 'UP'].every((f) => ip.flags.includes(f)), `flags ${ip.flags}`);
  t.notOk(ip.flags.includes('MULTICAST'), 'multicast off');
  let l = await a!.link('f0');
  t.match(l, { txqlen: 42, alias: 'uplink to the core', group: 3, promisc: true, allmulticast: true, multicast: false, arp: false, up: true });
  // M-DOWN is ip's word for a peer that is down: no IFF_* bit.
  t.same([...l.flagNames].sort(), ip.flags.filter((f: string) => f !== 'M-DOWN').sort(), 'the same flags as ip link');

  await a!.setLink('f0', { alias: '', promisc: false, allmulticast: false, multicast: true, arp: true, group: 0 });
  [ip] = ipLink(a!.name!, 'f0');
  t.equal(ip.ifalias, undefined, "alias '' removes it");
  t.match(ip, { promiscuity: 0, allmulti: 0, group: 'default' });
  t.ok(ip.flags.includes('MULTICAST') && !ip.flags.includes('NOARP') && !ip.flags.includes('PROMISC'), `flags ${ip.flags}`);
  l = await a!.link('f0');
  t.match(l, { alias: null, group: 0, promisc: false, allmulticast: false, multicast: true, arp: true, up: true }, 'up untouched');
  const alias = 'é'.repeat(127);
  await a!.setLink('f0', { alias });
  t.equal(ipLink(a!.name!, 'f0')[0].ifalias, alias, 'a 254-byte UTF-8 alias');
  t.equal((await a!.link('f0')).alias, alias);
  await t.rejects(a!.setLink('nosuch', { alias: 'x' }), { code: 'ENODEV', op: 'setLink', message: /no interface named nosuch/ });
});

t.test('alternative names: added, listed, looked up, removed, and the kernel refusing', async (t) => {
  const [a] = await namedNetns(t, 'alt');
  await a!.createVeth('alt0', { peer: 'alt1' });
  const long = 'uplink-to-the-core-switch-rack-42';
  await a!.addAltName('alt0', long);
  await a!.addAltName('alt0', 'core0');
  const [ip] = ipLink(a!.name!, 'alt0');
  t.same(ip.altnames, [long, 'core0']);
  const l = await a!.link('alt0');
  t.same(l.altNames, ip.altnames, 'Link.altNames as ip shows them');
  t.same((await a!.links()).find((x) => x.name === 'alt0')?.altNames, ip.altnames, 'in a dump too');
  t.equal((await a!.link(long)).index, l.index, 'found by its 33-byte altname (IFLA_ALT_IFNAME)');
  t.equal((await a!.link('core0')).name, 'alt0', 'and by a short one');

  await t.rejects(a!.addAltName('alt0', 'core0'), { code: 'EEXIST', op: 'addAltName', message: /core0.*already exists/ });
  await t.rejects(a!.addAltName('alt0', 'alt1'), { code: 'EEXIST' }, "another link's name");
  await t.rejects(a!.addAltName('nosuch', 'x0'), { code: 'ENODEV', message: /no interface named nosuch/ });
  await t.rejects(a!.deleteAltName('alt0', 'alt0'), { code: 'EINVAL', message: /not an altname of alt0/ }, 'its own name');
  await t.rejects(a!.deleteAltName('alt1', 'core0'), { code: 'EINVAL' }, "another link's altname");
  await t.rejects(a!.deleteAltName('alt0', 'gone0'), { code: 'ENOENT', op: 'deleteAltName', message: /has the altname gone0/ });
  await t.resolves(a!.deleteAltName('alt0', 'gone0', { missingOk: true }), 'missingOk');

  await a!.deleteAltName('alt0', 'core0');
  t.same(ipLink(a!.name!, 'alt0')[0].altnames, [long]);
  await t.rejects(a!.link('core0'), { code: 'ENODEV', op: 'link' });
  await t.rejects(a!.link('no-such-altname-longer-than-15'), { code: 'ENODEV', message: /no interface named no-such-altname-longer-than-15/ });
});
