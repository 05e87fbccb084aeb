// Bad input across the API, in one table: each is refused with a TypeError or RangeError that
// names the value, before any system call (the addon's counters of sends and threads do not
// move) and with nothing changed (a snapshot of the namespaces and of /run/netns).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import t from 'tap';
import { Netns } from '../dist/index.js';
import { native } from '../dist/native.js';
import { hasCommand, ipJson, namedNetns, PREFIX } from './helpers';

const hasNft = hasCommand('nft');

type Case = [string, () => Promise<unknown> | unknown, typeof TypeError | typeof RangeError, RegExp];

t.test('bad input is refused by name, before any system call, with nothing changed', async (t) => {
  const [ns, other] = (await namedNetns(t, 'badin', 2)) as [Netns, Netns];
  await ns.createVeth('eth0', { peer: 'eth1', up: true });
  await ns.addAddress('eth0', '192.0.2.10/24');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const nbsp = 'a\u00a0b';
  const lone = 'br\ud800';

  const cases: Case[] = [
    // Interface names, as the kernel's dev_valid_name takes them.
    ['ifname with /', () => ns.createBridge('a/b'), TypeError, /"a\/b"/],
    ['ifname ..', () => ns.createBridge('..'), TypeError, /"\.\."/],
    ['ifname .', () => ns.setUp('.'), TypeError, /"\."/],
    ['ifname with NUL', () => ns.createBridge('br\0x'), TypeError, /NUL/],
    ['ifname of 16 bytes', () => ns.createBridge('0123456789abcdef'), RangeError, /"0123456789abcdef" must be 1 to 15 bytes/],
    ['ifname of 9 characters but 16 bytes', () => ns.createBridge('ééééééébb'), RangeError, /not 16/],
    ['ifname with a space', () => ns.createBridge('br 0'), TypeError, /"br 0"/],
    ['ifname with a tab', () => ns.createBridge('br\t0'), TypeError, /white space/],
    ['ifname with U+00A0 (byte 0xA0, white space to the kernel)', () => ns.createBridge(nbsp), TypeError, /0xA0/],
    ['ifname with a lone surrogate', () => ns.createBridge(lone), TypeError, /lone UTF-16 surrogate/],
    ['ifname with % (a pattern to the kernel)', () => ns.createBridge('br%d'), TypeError, /"br%d" must not contain '%'/],
    ['ifname with :', () => ns.createBridge('br:0'), TypeError, /"br:0"/],
    ['empty ifname', () => ns.deleteLink(''), RangeError, /""/],
    ['ifname a number', () => ns.setUp(7 as never), TypeError, /7/],
    ['ifname null', () => ns.link(null as never), TypeError, /null/],
    // Namespace names: one component under /run/netns.
    ['netns name with /', () => Netns.create('a/b'), TypeError, /"a\/b"/],
    ['netns name ..', () => Netns.open('..'), TypeError, /"\.\."/],
    ['netns name escaping /run/netns', () => Netns.attach('../../tmp/x', process.pid), TypeError, /"\.\.\/\.\.\/tmp\/x"/],
    ['netns name with NUL', () => Netns.create('x\0y'), TypeError, /NUL/],
    ['netns name with a lone surrogate', () => Netns.create('x\udc00'), TypeError, /lone UTF-16 surrogate/],
    ['netns name of 256 bytes', () => Netns.create('n'.repeat(256)), RangeError, /256/],
    ['empty netns name', () => Netns.delete(''), RangeError, /""/],
    ['netns name an object', () => Netns.open({} as never), TypeError, /\{\}/],
    ['pid 0', () => Netns.fromPid(0), RangeError, /pid 0/],
    ['pid negative', () => Netns.fromPid(-5), RangeError, /pid -5/],
    ['pid NaN', () => Netns.fromPid(Number.NaN), TypeError, /NaN/],
    ['pid a string', () => Netns.fromPid('1' as never), TypeError, /"1"/],
    ['pid a float', () => Netns.fromPid(1.5), TypeError, /1\.5/],
    ['pid too large', () => Netns.fromPid(2 ** 31), RangeError, /2147483648/],
    ['path with NUL', () => Netns.fromPath('/proc/self/ns/net\0'), TypeError, /NUL/],
    ['a peer namespace that is not a Netns', () => ns.createVeth('fresh', { peer: 'p', peerNetns: 'b' as never }), TypeError, /peerNetns must be a Netns/],
    ['a move target that is not a Netns', () => ns.moveToNetns('eth1', {} as never), TypeError, /target must be a Netns/],
    // Addresses and prefixes.
    ['address /33', () => ns.addAddress('eth0', '192.0.2.1/33'), RangeError, /192\.0\.2\.1\/33/],
    ['address /129', () => ns.addAddress('eth0', '2001:db8::1/129'), RangeError, /\/129/],
    ['address /010 (octal to ip)', () => ns.addAddress('eth0', '198.51.100.1/010'), TypeError, /leading zero, which ip reads as octal; write 10/],
    ['address /08', () => ns.addAddress('eth0', '198.51.100.1/08'), TypeError, /leading zero/],
    ['address octet 256', () => ns.addAddress('eth0', '192.0.2.256/24'), TypeError, /192\.0\.2\.256/],
    ['address with a zone', () => ns.addAddress('eth0', 'fe80::1%eth0/64'), TypeError, /zone id: give "fe80::1" and name the interface \("eth0"\) as dev/],
    ['address negative prefix', () => ns.addAddress('eth0', '192.0.2.1/-1'), TypeError, /-1/],
    ['address an array', () => ns.addAddress('eth0', ['192.0.2.1/24'] as never), TypeError, /192\.0\.2\.1/],
    ['a scope named after a prototype property', () => ns.addAddress('eth0', '198.51.100.9/24', { scope: 'constructor' as never }), TypeError, /"constructor"/],
    ['metric a float', () => ns.addAddress('eth0', '198.51.100.1/24', { metric: 0.5 }), TypeError, /0\.5/],
    ['a peer with the address given a prefix length', () => ns.addAddress('eth0', '10.0.0.1/24', { peer: '10.0.0.2/32' }), TypeError, /"10\.0\.0\.1\/24": with a peer, give the address without a prefix length/],
    ['a peer of the other family', () => ns.addAddress('eth0', '10.0.0.1', { peer: '2001:db8::2/128' }), TypeError, /peer 2001:db8::2\/128 is IPv6, but the address 10\.0\.0\.1 is IPv4/],
    ['a peer /33', () => ns.addAddress('eth0', '10.0.0.1', { peer: '10.0.0.2/33' }), RangeError, /peer "10\.0\.0\.2\/33": prefix length 33/],
    ['a peer that is no address', () => ns.deleteAddress('eth0', '10.0.0.1', { peer: 'x' }), TypeError, /peer "x"/],
    ['an address protocol of 256', () => ns.addAddress('eth0', '198.51.100.1/24', { protocol: 256 }), RangeError, /protocol 256/],
    ['an address protocol named after a prototype property', () => ns.addAddress('eth0', '198.51.100.1/24', { protocol: 'constructor' as never }), TypeError, /"constructor"/],
    // Routes, all of a spec checked before a socket is touched.
    ['gateway of the other family', () => ns.addRoute({ to: '198.51.100.0/24', via: '2001:db8::1' }), TypeError, /2001:db8::1 is IPv6/],
    ['an IPv6 gateway for a default IPv4 route', () => ns.addRoute({ to: 'default', via: '2001:db8::1', family: 4 }), TypeError, /IPv6/],
    ['a malformed gateway', () => ns.addRoute({ to: 'default', via: 'gateway' }), TypeError, /"gateway"/],
    ['table -1', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', table: -1 }), RangeError, /table -1/],
    ['table 0', () => ns.routes({ table: 0 }), RangeError, /table 0/],
    ['table 2^32', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', table: 2 ** 32 }), RangeError, /4294967296/],
    ['a table named after a prototype property', () => ns.routes({ table: 'toString' as never }), TypeError, /"toString"/],
    ['metric -1 on a default route', () => ns.addRoute({ to: 'default', metric: -1 }), RangeError, /metric -1/],
    ['metric 2^32', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', metric: 2 ** 32 }), RangeError, /metric/],
    ['a weight of 0', () => ns.addRoute({ to: '198.51.100.0/24', nexthops: [{ via: '192.0.2.1', weight: 0 }] }), RangeError, /weight 0/],
    ['nexthops an object', () => ns.addRoute({ to: '198.51.100.0/24', nexthops: {} as never }), TypeError, /nexthops must be an array, got \{\}/],
    ['a next hop null', () => ns.addRoute({ to: '198.51.100.0/24', nexthops: [null as never] }), TypeError, /nexthops\[0\] must be an object, got null/],
    ['a gateway named inet6 that is IPv4', () => ns.addRoute({ to: '198.51.100.0/24', via: 'inet6 192.0.2.1' }), TypeError, /via "inet6 192\.0\.2\.1": 192\.0\.2\.1 is not an IPv6 address/],
    ['an IPv4 gateway for an IPv6 route, even named', () => ns.addRoute({ to: '2001:db8::/64', via: 'inet 192.0.2.1' }), TypeError, /no IPv4 gateway for an IPv6 route/],
    ['an IPv6 gateway not named as such says how', () => ns.addRoute({ to: '198.51.100.0/24', via: 'fe80::1', dev: 'eth0' }), TypeError, /written 'inet6 fe80::1'/],
    ['a next hop named inet6 with a bad address', () => ns.addRoute({ to: '198.51.100.0/24', nexthops: [{ via: 'inet6 fe80::zz' }] }), TypeError, /nexthops\[0\]\.via "fe80::zz"/],
    ['mtuLock without mtu', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', mtuLock: true }), TypeError, /mtuLock locks the mtu: give mtu too/],
    ['mtuLock not a boolean', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', mtu: 1400, mtuLock: 1 as never }), TypeError, /mtuLock must be true or false, got 1/],
    ['realm on an IPv6 route', () => ns.addRoute({ to: '2001:db8::/64', dev: 'eth0', realm: 1 }), TypeError, /realm is for IPv4 routes/],
    ['realm 65536', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', realm: 65536 }), RangeError, /realm 65536/],
    ['tos with ECN bits', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', tos: 0x11 }), RangeError, /tos 17 \(0x11\) has ECN bits set/],
    ['tos 256', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', tos: 256 }), RangeError, /tos 256/],
    ['tos on an IPv6 route', () => ns.deleteRoute({ to: '2001:db8::/64', tos: 16 }), TypeError, /tos is for IPv4 routes/],
    ['changeRoute with an unknown option', () => ns.changeRoute({ to: '198.51.100.0/24', gw: '192.0.2.1' } as never), TypeError, /unknown option "gw"/],
    ['appendRoute metric -1', () => ns.appendRoute({ to: '198.51.100.0/24', dev: 'eth0', metric: -1 }), RangeError, /metric -1/],
    ['flushRoutes table 0', () => ns.flushRoutes({ table: 0 }), RangeError, /table 0/],
    ['flushRoutes dev of 16 bytes', () => ns.flushRoutes({ dev: '0123456789abcdef' }), RangeError, /dev "0123456789abcdef"/],
    ['flushRoutes a protocol named after a prototype property', () => ns.flushRoutes({ protocol: 'toString' as never }), TypeError, /"toString"/],
    ['flushRoutes family 5', () => ns.flushRoutes({ family: 5 as never }), TypeError, /family must be 4 or 6, got 5/],
    ['flushRoutes an unknown option', () => ns.flushRoutes({ via: '192.0.2.1' } as never), TypeError, /unknown option "via"/],
    ['getRoute fibMatch not a boolean', () => ns.getRoute('192.0.2.1', { fibMatch: 'yes' as never }), TypeError, /fibMatch must be true or false, got "yes"/],
    // Links.
    ['MTU 70000', () => ns.setLink('eth0', { mtu: 70000 }), RangeError, /mtu 70000/],
    ['MTU 0', () => ns.setLink('eth0', { mtu: 0 }), RangeError, /mtu 0/],
    ['MTU a string', () => ns.setLink('eth0', { mtu: '1500' as never }), TypeError, /"1500"/],
    ['MAC with 5 octets', () => ns.setLink('eth0', { address: '02:00:5e:00:53' }), TypeError, /02:00:5e:00:53/],
    ['MAC multicast', () => ns.setLink('eth0', { address: '01:00:5e:00:00:01' }), RangeError, /multicast/],
    ['MAC all zeros', () => ns.setLink('eth0', { address: '00:00:00:00:00:00' }), RangeError, /all zeros/],
    ['txqlen -1', () => ns.setLink('eth0', { txqlen: -1 }), RangeError, /txqlen -1/],
    ['peerTxqlen 2^32', () => ns.createVeth('fresh', { peer: 'p', peerTxqlen: 2 ** 32 }), RangeError, /peerTxqlen 4294967296/],
    ['a bridge txqlen a float', () => ns.createBridge('br9', { txqlen: 1.5 }), TypeError, /txqlen must be an integer, got 1\.5/],
    ['group a name', () => ns.setLink('eth0', { group: 'default' as never }), TypeError, /group must be an integer, got "default"/],
    ['peerGroup -1', () => ns.createVeth('fresh', { peer: 'p', peerGroup: -1 }), RangeError, /peerGroup -1/],
    ['a link group 2^32', () => ns.createLink({ kind: 'bridge', name: 'br9', group: 2 ** 32 }), RangeError, /group 4294967296/],
    ['alias of 256 bytes', () => ns.setLink('eth0', { alias: 'a'.repeat(256) }), RangeError, /alias must be at most 255 bytes, not 256/],
    ['alias with NUL', () => ns.setLink('eth0', { alias: 'a\0b' }), TypeError, /alias "a\\u0000b" must not contain NUL/],
    ['alias with a lone surrogate', () => ns.setLink('eth0', { alias: lone }), TypeError, /lone UTF-16 surrogate/],
    ['alias null', () => ns.setLink('eth0', { alias: null as never }), TypeError, /alias must be a string, got null/],
    ['promisc "on"', () => ns.setLink('eth0', { promisc: 'on' as never }), TypeError, /promisc must be true or false, got "on"/],
    ['arp 1', () => ns.setLink('eth0', { arp: 1 as never }), TypeError, /arp must be true or false, got 1/],
    ['altname of 128 bytes', () => ns.addAltName('eth0', 'a'.repeat(128)), RangeError, /altname "a+" must be 1 to 127 bytes long, not 128/],
    ['empty altname', () => ns.addAltName('eth0', ''), RangeError, /altname "" must be 1 to 127/],
    ['altname with /', () => ns.addAltName('eth0', 'a/b'), TypeError, /altname "a\/b" must not contain '\/'/],
    ['altname with a space', () => ns.addAltName('eth0', 'a b'), TypeError, /altname "a b"/],
    ['altname ..', () => ns.deleteAltName('eth0', '..'), TypeError, /altname "\.\." is not allowed/],
    ['altname with a lone surrogate', () => ns.addAltName('eth0', lone), TypeError, /lone UTF-16 surrogate/],
    ['altname for an ifname of 16 bytes', () => ns.addAltName('0123456789abcdef', 'x0'), RangeError, /"0123456789abcdef" must be 1 to 15 bytes/],
    ['deleteAltName with a bad missingOk', () => ns.deleteAltName('eth0', 'x0', { missingOk: 'yes' as never }), TypeError, /missingOk/],
    ['a link looked up by a 128-byte name', () => ns.link('a'.repeat(128)), RangeError, /interface name or altname "a+" must be 1 to 127 bytes long, not 128/],
    ['a link looked up by a long name with /', () => ns.link('a/very/long/name/indeed'), TypeError, /must not contain '\/'/],
    ['options null', () => ns.createBridge('br9', null as never), TypeError, /null/],
    ['options an array', () => ns.setLink('eth0', [] as never), TypeError, /\[\]/],
    ['options a string', () => ns.createVeth('fresh', 'p' as never), TypeError, /must be an object/],
    ['a misspelt option', () => ns.createVeth('fresh', { peer: 'p', peerUp: true } as never), TypeError, /unknown option "peerUp"/],
    ['a kind that is not a kind', () => ns.createLink({ kind: '../../x', name: 'k0' }), TypeError, /"\.\.\/\.\.\/x"/],
    ['a tun made with createLink', () => ns.createLink({ kind: 'tun', name: 'k0' }), TypeError, /createTun\/createTap/],
    // Bridges: a bridge's own settings, its ports', its VLANs, the forwarding database.
    ['a bridge stp "yes"', () => ns.createBridge('br9', { stp: 'yes' as never }), TypeError, /stp must be true or false, got "yes"/],
    ['a bridge ageingTime -1', () => ns.createBridge('br9', { ageingTime: -1 }), RangeError, /ageingTime -1 must be 0 to 42949672\.95 seconds/],
    ['a bridge ageingTime NaN', () => ns.createBridge('br9', { ageingTime: Number.NaN }), RangeError, /ageingTime NaN/],
    ['a bridge ageingTime a string', () => ns.createBridge('br9', { ageingTime: '300' as never }), TypeError, /ageingTime must be a number of seconds, got "300"/],
    ['a bridge forwardDelay finer than the kernel keeps', () => ns.createBridge('br9', { forwardDelay: 1.234 }), RangeError, /forwardDelay 1\.234 must be a whole number of hundredths of a second/],
    ['a bridge vlanProtocol 802.1x', () => ns.createBridge('br9', { vlanProtocol: '802.1x' as never }), TypeError, /vlanProtocol must be '802\.1Q' or '802\.1ad', got "802\.1x"/],
    ['a bridge defaultPvid 4095', () => ns.createBridge('br9', { defaultPvid: 4095 }), RangeError, /defaultPvid 4095 is out of range 0\.\.4094/],
    ['a bridge setting misspelt', () => ns.createBridge('br9', { stpState: 1 } as never), TypeError, /unknown option "stpState"/],
    ['a bridge change with mcastSnooping 1', () => ns.setLinkType('eth0', { kind: 'bridge', mcastSnooping: 1 as never }), TypeError, /mcastSnooping must be true or false, got 1/],
    ['a bridge made by createLink with vlanFiltering "on"', () => ns.createLink({ kind: 'bridge', name: 'br9', vlanFiltering: 'on' as never }), TypeError, /vlanFiltering must be true or false, got "on"/],
    ['a port cost 0', () => ns.setBridgePort('eth0', { cost: 0 }), RangeError, /cost 0 is out of range 1\.\.65535/],
    ['a port cost 65536', () => ns.setBridgePort('eth0', { cost: 65536 }), RangeError, /cost 65536/],
    ['a port priority 64', () => ns.setBridgePort('eth0', { priority: 64 }), RangeError, /priority 64 is out of range 0\.\.63/],
    ['a port hairpin "on"', () => ns.setBridgePort('eth0', { hairpin: 'on' as never }), TypeError, /hairpin must be true or false, got "on"/],
    ['a port setting bridge has but this library not', () => ns.setBridgePort('eth0', { guard: true } as never), TypeError, /unknown option "guard"/],
    ['a port of 16 bytes', () => ns.setBridgePort('0123456789abcdef', { cost: 1 }), RangeError, /"0123456789abcdef" must be 1 to 15 bytes/],
    ['a port setting options null', () => ns.setBridgePort('eth0', null as never), TypeError, /setBridgePort options must be an object, got null/],
    ['a bridge VLAN 0', () => ns.addBridgeVlan({ dev: 'eth0', vid: 0 }), RangeError, /vid 0 is out of range 1\.\.4094/],
    ['a bridge VLAN 4095', () => ns.addBridgeVlan({ dev: 'eth0', vid: 4095 }), RangeError, /vid 4095/],
    ['a bridge VLAN range backwards', () => ns.addBridgeVlan({ dev: 'eth0', vid: 10, vidEnd: 5 }), RangeError, /vidEnd 5 is below vid 10/],
    ['a PVID for a range', () => ns.addBridgeVlan({ dev: 'eth0', vid: 10, vidEnd: 20, pvid: true }), TypeError, /pvid cannot be given for the range 10-20: a port has one PVID/],
    ['a bridge VLAN self "yes"', () => ns.addBridgeVlan({ dev: 'eth0', vid: 10, self: 'yes' as never }), TypeError, /self must be true or false, got "yes"/],
    ['a bridge VLAN without dev', () => ns.addBridgeVlan({ vid: 10 } as never), TypeError, /dev must be a string, got undefined/],
    ['a bridge VLAN delete with pvid', () => ns.deleteBridgeVlan({ dev: 'eth0', vid: 10, pvid: true } as never), TypeError, /unknown option "pvid"/],
    ['bridge VLANs of vid "10"', () => ns.bridgeVlans({ vid: '10' as never }), TypeError, /vid must be an integer, got "10"/],
    ['an fdb lladdr of 5 octets', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53', dev: 'eth0' }), TypeError, /lladdr "02:00:5e:00:53" must be six hex octets/],
    ['an fdb dst that is no address', () => ns.appendFdbEntry({ lladdr: '00:00:00:00:00:00', dev: 'eth0', dst: '198.51.100.300' }), TypeError, /dst "198\.51\.100\.300"/],
    ['an fdb vni 2^24', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', vni: 2 ** 24 }), RangeError, /vni 16777216 is out of range 0\.\.16777215/],
    ['an fdb port 0', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', port: 0 }), RangeError, /port 0 is out of range 1\.\.65535/],
    ['an fdb vlan 4095', () => ns.replaceFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', vlan: 4095 }), RangeError, /vlan 4095/],
    ['an fdb srcVni -1', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', srcVni: -1 }), RangeError, /srcVni -1/],
    ['an fdb state named after a prototype property', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', state: 'toString' as never }), TypeError, /state must be one of permanent, static, dynamic, got "toString"/],
    ['an fdb master "yes"', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', master: 'yes' as never }), TypeError, /master must be true or false, got "yes"/],
    ['an fdb via of 16 bytes', () => ns.addFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', via: '0123456789abcdef' }), RangeError, /via "0123456789abcdef"/],
    ['an fdb delete with a state', () => ns.deleteFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0', state: 'static' } as never), TypeError, /unknown option "state"/],
    ['an fdb delete with a bad missingOk', () => ns.deleteFdbEntry({ lladdr: '02:00:5e:00:53:01', dev: 'eth0' }, { missingOk: 1 as never }), TypeError, /missingOk must be true or false, got 1/],
    ['fdb entries of a master of 16 bytes', () => ns.fdbEntries({ master: '0123456789abcdef' }), RangeError, /master "0123456789abcdef"/],
    ['fdb entries of vlan 0', () => ns.fdbEntries({ vlan: 0 }), RangeError, /vlan 0/],
    // Neighbours and rules.
    ['a neighbour with a 5-octet MAC', () => ns.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53', dev: 'eth0' }), TypeError, /02:00:5e:00:53/],
    ['a neighbour state named after a prototype property', () => ns.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53:05', dev: 'eth0', state: 'toString' as never }), TypeError, /"toString"/],
    ['a rule action named after a prototype property', () => ns.addRule({ from: '192.0.2.0/24', table: 5, action: 'valueOf' as never }), TypeError, /"valueOf"/],
    ['a rule without a table', () => ns.addRule({ from: '192.0.2.0/24' }), TypeError, /needs a table/],
    // The rest of ip rule.
    ['a rule tos with ECN bits', () => ns.addRule({ tos: 0x11, table: 5 }), RangeError, /tos 17 \(0x11\) has ECN bits set/],
    ['a rule ipproto not known', () => ns.addRule({ ipProto: 'foo' as never, table: 5 }), TypeError, /ipProto must be one of .* got "foo"/],
    ['a rule ipproto named after a prototype property', () => ns.addRule({ ipProto: 'toString' as never, table: 5 }), TypeError, /"toString"/],
    ['a rule ipproto 256', () => ns.addRule({ ipProto: 256, table: 5 }), RangeError, /ipProto 256/],
    ['a rule sport 0', () => ns.addRule({ sport: 0, table: 5 }), RangeError, /sport 0 is out of range 1\.\.65534/],
    ['a rule dport 65535 (the kernel refuses it)', () => ns.addRule({ dport: 65535, table: 5 }), RangeError, /dport 65535 is out of range 1\.\.65534/],
    ['a rule port range backwards', () => ns.addRule({ sport: { start: 2000, end: 1000 }, table: 5 }), RangeError, /sport 2000-1000 ends before it starts/],
    ['a rule port a string', () => ns.addRule({ dport: '80' as never, table: 5 }), TypeError, /dport must be an object, got "80"/],
    ['a rule uid range without an end', () => ns.addRule({ uidRange: { start: 5 } as never, table: 5 }), TypeError, /uidRange must be \{ start, end \}, got \{"start":5\}/],
    ['a rule uid range to (uid_t)-1', () => ns.addRule({ uidRange: { start: 0, end: 2 ** 32 - 1 }, table: 5 }), RangeError, /uidRange\.end 4294967295/],
    ['a rule suppressPrefixLength 33 for IPv4', () => ns.addRule({ suppressPrefixLength: 33, table: 5 }), RangeError, /suppressPrefixLength 33 is out of range 0\.\.32/],
    ['a rule realm for IPv6', () => ns.addRule({ family: 6, realm: 3, table: 5 }), TypeError, /realm is for IPv4 rules/],
    ['a rule goto with another action', () => ns.addRule({ goto: 10, action: 'nop' }), TypeError, /goto jumps to another rule: it takes no action "nop"/],
    ['a rule goto backwards', () => ns.addRule({ goto: 10, priority: 20 }), RangeError, /goto 10 must be after the rule's own priority 20/],
    ['a rule action goto without goto', () => ns.addRule({ action: 'goto', priority: 20 }), TypeError, /action 'goto' needs goto/],
    ['a rule goto with a table', () => ns.addRule({ goto: 30, table: 5, priority: 20 }), TypeError, /looks up no table/],
    ['a rule l3mdev with a table', () => ns.addRule({ l3mdev: true, table: 5 }), TypeError, /l3mdev looks up the table of the VRF: give no table/],
    ['a goto rule deleted without its priority', () => ns.deleteRule({ goto: 30 }), TypeError, /deleting a goto rule needs its goto and its priority/],
    ['a rule invert "yes"', () => ns.addRule({ invert: 'yes' as never, table: 5 }), TypeError, /invert must be true or false, got "yes"/],
    ['flushRules family 5', () => ns.flushRules({ family: 5 as never }), TypeError, /family must be 4 or 6, got 5/],
    ['flushRules an unknown option', () => ns.flushRules({ table: 5 } as never), TypeError, /unknown option "table"/],
    // Proxy neighbours and the one spelling of a state.
    ['a proxy neighbour with an lladdr', () => ns.addNeighbor({ address: '192.0.2.5', dev: 'eth0', proxy: true, lladdr: '02:00:5e:00:53:05' }), TypeError, /a proxy entry has no lladdr/],
    ['a proxy neighbour with a state', () => ns.addNeighbor({ address: '192.0.2.5', dev: 'eth0', proxy: true, state: 'PERMANENT' }), TypeError, /a proxy entry has no state/],
    ['a neighbour without lladdr', () => ns.addNeighbor({ address: '192.0.2.5', dev: 'eth0' }), TypeError, /neighbor 192\.0\.2\.5 needs lladdr \(or proxy: true/],
    ['a neighbour state in mixed case', () => ns.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53:05', dev: 'eth0', state: 'Stale' as never }), TypeError, /state must be one of .* got "Stale"/],
    ['a neighbour state list in lower case', () => ns.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53:05', dev: 'eth0', state: ['stale'] as never }), TypeError, /state\[0\] must be one of .* got "stale"/],
    ['a neighbour state a number', () => ns.addNeighbor({ address: '192.0.2.5', lladdr: '02:00:5e:00:53:05', dev: 'eth0', state: 0x80 as never }), TypeError, /state must be one of .* got 128/],
    ['a proxy delete with a bad proxy', () => ns.deleteNeighbor({ address: '192.0.2.5', dev: 'eth0', proxy: 1 as never }), TypeError, /proxy must be true or false, got 1/],
    ['neighbors proxy "yes"', () => ns.neighbors({ proxy: 'yes' as never }), TypeError, /proxy must be true or false/],
    // Nexthops, and routes by them.
    ['a nexthop id 0', () => ns.addNexthop({ id: 0, dev: 'eth0' }), RangeError, /id 0 is out of range 1\.\.4294967295/],
    ['a nexthop id 2^32', () => ns.addNexthop({ id: 2 ** 32, dev: 'eth0' }), RangeError, /id 4294967296/],
    ['a nexthop id a float', () => ns.addNexthop({ id: 1.5, dev: 'eth0' }), TypeError, /id must be an integer, got 1\.5/],
    ['a nexthop of nothing', () => ns.addNexthop({ id: 1 }), TypeError, /a nexthop needs via, dev, blackhole or group/],
    ['a nexthop with a misspelt option', () => ns.addNexthop({ id: 1, gateway: '192.0.2.1' } as never), TypeError, /unknown option "gateway"/],
    ['a nexthop gateway that is no address', () => ns.addNexthop({ id: 1, via: '192.0.2.300', dev: 'eth0' }), TypeError, /via "192\.0\.2\.300"/],
    ['a nexthop gateway of the other family', () => ns.addNexthop({ id: 1, via: '2001:db8::1', dev: 'eth0', family: 4 }), TypeError, /via 2001:db8::1 is IPv6, but family is 4/],
    ['a nexthop onlink without dev', () => ns.addNexthop({ id: 1, via: '192.0.2.1', onlink: true }), TypeError, /onlink needs both via and dev/],
    ['a nexthop fdb with dev', () => ns.addNexthop({ id: 1, via: '192.0.2.1', dev: 'eth0', fdb: true }), TypeError, /an fdb nexthop takes no dev/],
    ['a blackhole with a gateway', () => ns.addNexthop({ id: 1, blackhole: true, via: '192.0.2.1' }), TypeError, /a blackhole takes no via/],
    ['a nexthop group empty', () => ns.addNexthop({ id: 1, group: [] }), TypeError, /group must list at least one nexthop id/],
    ['a nexthop group listing one twice', () => ns.addNexthop({ id: 1, group: [2, { id: 2 }] }), TypeError, /group lists nexthop 2 twice/],
    ['a nexthop group listing itself', () => ns.addNexthop({ id: 1, group: [1] }), TypeError, /group 1 cannot list itself/],
    ['a nexthop group weight 0', () => ns.addNexthop({ id: 1, group: [{ id: 2, weight: 0 }] }), RangeError, /group\[0\]\.weight 0 is out of range 1\.\.65536/],
    ['a nexthop group weight 65537', () => ns.addNexthop({ id: 1, group: [{ id: 2, weight: 65537 }] }), RangeError, /group\[0\]\.weight 65537/],
    ['a nexthop group member null', () => ns.addNexthop({ id: 1, group: [null as never] }), TypeError, /group\[0\] must be an object, got null/],
    ['a nexthop group with a device', () => ns.addNexthop({ id: 1, group: [2], dev: 'eth0' }), TypeError, /a group takes no dev/],
    ['a nexthop group type not known', () => ns.addNexthop({ id: 1, group: [2], groupType: 'ecmp' as never }), TypeError, /groupType must be one of mpath, resilient, got "ecmp"/],
    ['resilient settings without a group', () => ns.addNexthop({ id: 1, dev: 'eth0', resilient: { buckets: 8 } }), TypeError, /resilient is for a group: give group too/],
    ['resilient settings on an mpath group', () => ns.addNexthop({ id: 1, group: [2], groupType: 'mpath', resilient: {} }), TypeError, /resilient settings are for groupType 'resilient'/],
    ['resilient buckets 0', () => ns.addNexthop({ id: 1, group: [2], resilient: { buckets: 0 } }), RangeError, /resilient\.buckets 0/],
    ['resilient idle timer negative', () => ns.addNexthop({ id: 1, group: [2], resilient: { idleTimer: -1 } }), RangeError, /resilient\.idleTimer -1/],
    ['a nexthop protocol named after a prototype property', () => ns.addNexthop({ id: 1, dev: 'eth0', protocol: 'constructor' as never }), TypeError, /"constructor"/],
    ['replaceNexthop without an id', () => ns.replaceNexthop({ dev: 'eth0' }), TypeError, /replaceNexthop needs the id/],
    ['deleteNexthop id 0', () => ns.deleteNexthop(0), RangeError, /id 0/],
    ['deleteNexthop id a string', () => ns.deleteNexthop('1' as never), TypeError, /id must be an integer, got "1"/],
    ['deleteNexthop a bad missingOk', () => ns.deleteNexthop(1, { missingOk: 'yes' as never }), TypeError, /missingOk/],
    ['nexthop id -1', () => ns.nexthop(-1), RangeError, /id -1/],
    ['nexthops dev of 16 bytes', () => ns.nexthops({ dev: '0123456789abcdef' }), RangeError, /dev "0123456789abcdef"/],
    ['nexthops an unknown option', () => ns.nexthops({ id: 1 } as never), TypeError, /unknown option "id"/],
    ['flushNexthops groups "yes"', () => ns.flushNexthops({ groups: 'yes' as never }), TypeError, /groups must be true or false/],
    ['a route with nhid and a gateway', () => ns.addRoute({ to: '198.51.100.0/24', nhid: 1, via: '192.0.2.1' }), TypeError, /give either nhid or via\/dev\/nexthops/],
    ['a route nhid 0', () => ns.addRoute({ to: '198.51.100.0/24', nhid: 0 }), RangeError, /nhid 0/],
    // Address labels.
    ['an address label for IPv4', () => ns.addAddrLabel({ prefix: '192.0.2.0/24', label: 1 }), TypeError, /prefix 192\.0\.2\.0\/24 is IPv4: address labels are for IPv6 only/],
    ['an address label of (u32)-1', () => ns.addAddrLabel({ prefix: '2001:db8::/32', label: 2 ** 32 - 1 }), RangeError, /label 4294967295 is out of range 0\.\.4294967294/],
    ['an address label missing', () => ns.addAddrLabel({ prefix: '2001:db8::/32' } as never), TypeError, /addrlabel 2001:db8::\/32 needs a label/],
    ['an address label prefix /129', () => ns.addAddrLabel({ prefix: '2001:db8::/129', label: 1 }), RangeError, /prefix "2001:db8::\/129": prefix length 129/],
    ['an address label dev of 16 bytes', () => ns.addAddrLabel({ prefix: '2001:db8::/32', label: 1, dev: '0123456789abcdef' }), RangeError, /dev "0123456789abcdef"/],
    ['deleteAddrLabel a bad missingOk', () => ns.deleteAddrLabel({ prefix: '2001:db8::/32' }, { missingOk: 'yes' as never }), TypeError, /missingOk/],
    // Namespace ids.
    ['an nsid of -1', () => ns.setNsid(other, -1), RangeError, /nsid -1 is out of range 0\.\.2147483647/],
    ['an nsid of 2^31', () => ns.setNsid(other, 2 ** 31), RangeError, /nsid 2147483648/],
    ['an nsid "next"', () => ns.setNsid(other, 'next' as never), TypeError, /nsid must be a number 0\.\.2147483647 or 'auto', got "next"/],
    ['an nsid for a name, not a Netns', () => ns.setNsid('other' as never, 1), TypeError, /setNsid argument must be a Netns, got "other"/],
    // NAT: refused before the nfnetlink socket is even opened.
    ['masquerade from a bad CIDR', () => ns.masquerade({ from: '192.0.2.300/24' }), TypeError, /from "192\.0\.2\.300" is not an IPv4 or IPv6 address/],
    ['masquerade from /33', () => ns.masquerade({ from: '192.0.2.0/33' }), RangeError, /prefix length 33 is out of range 0\.\.32/],
    ['masquerade without from', () => ns.masquerade({} as never), TypeError, /needs from/],
    ['masquerade out of 16 bytes', () => ns.masquerade({ from: '192.0.2.0/24', out: '0123456789abcdef' }), RangeError, /out "0123456789abcdef" must be 1 to 15 bytes/],
    ['masquerade with an unknown option', () => ns.masquerade({ from: '192.0.2.0/24', oif: 'eth0' } as never), TypeError, /oif/],
    ['vxlan df unknown', () => ns.createVxlan('vx9', { id: 1, df: 'maybe' as never }), TypeError, /df "maybe" must be one of unset, set, inherit/],
    ['vxlan srcPortRange reversed', () => ns.createVxlan('vx9', { id: 1, srcPortRange: [6000, 5000] }), RangeError, /srcPortRange \[6000, 5000\]: high is below low/],
    ['vxlan flowlabel of 21 bits', () => ns.createVxlan('vx9', { id: 1, flowlabel: 0x100000 }), RangeError, /flowlabel 1048576/],
    ['vxlan l2miss not a boolean', () => ns.createVxlan('vx9', { id: 1, l2miss: 1 as never }), TypeError, /l2miss/],
    ['masquerade notTo of the other family', () => ns.masquerade({ from: '192.0.2.0/24', notTo: ['2001:db8::/64'] }), TypeError, /notTo\[0\] 2001:db8::\/64 is IPv6, but from 192\.0\.2\.0\/24 is IPv4/],
    ['masquerade notTo /0', () => ns.masquerade({ from: '192.0.2.0/24', notTo: ['0.0.0.0/0'] }), RangeError, /notTo\[0\] 0\.0\.0\.0\/0 would leave every destination alone/],
    ['masquerade notTo empty', () => ns.masquerade({ from: '192.0.2.0/24', notTo: [] }), RangeError, /notTo must list 1 to 16 prefixes, not 0/],
    ['masquerade notTo not a list', () => ns.masquerade({ from: '192.0.2.0/24', notTo: '224.0.0.0/4' as never }), TypeError, /notTo/],
    ['forwardPort port 0', () => ns.forwardPort({ protocol: 'tcp', port: 0, to: '192.0.2.10' }), RangeError, /port 0/],
    ['forwardPort port 70000', () => ns.forwardPort({ protocol: 'tcp', port: 70000, to: '192.0.2.10' }), RangeError, /port 70000/],
    ['forwardPort toPort 65536', () => ns.forwardPort({ protocol: 'udp', port: 53, to: '192.0.2.10', toPort: 65536 }), RangeError, /toPort 65536/],
    ['forwardPort an unknown protocol', () => ns.forwardPort({ protocol: 'sctp' as never, port: 80, to: '192.0.2.10' }), TypeError, /"sctp"/],
    ['forwardPort a protocol named after a prototype property', () => ns.forwardPort({ protocol: 'toString' as never, port: 80, to: '192.0.2.10' }), TypeError, /"toString"/],
    ['forwardPort to a prefix', () => ns.forwardPort({ protocol: 'tcp', port: 80, to: '192.0.2.0/24' }), TypeError, /to "192\.0\.2\.0\/24"/],
    ['forwardPort in of 16 bytes', () => ns.forwardPort({ protocol: 'tcp', port: 80, to: '192.0.2.10', in: '0123456789abcdef' }), RangeError, /in "0123456789abcdef"/],
    ['forwardPort destination of the other family', () => ns.forwardPort({ protocol: 'tcp', port: 80, to: '192.0.2.10', destination: '2001:db8::1' }), TypeError, /destination 2001:db8::1 is IPv6, but to 192\.0\.2\.10 is IPv4/],
    ['deleteForward with a bad missingOk', () => ns.deleteForward({ protocol: 'tcp', port: 80, to: '192.0.2.10' }, { missingOk: 'yes' as never }), TypeError, /missingOk/],
    // Sysctls: only net.*, never out of /proc/sys/net, one line of value.
    ['a sysctl outside net', () => ns.sysctl('kernel.hostname'), TypeError, /must start with "net\."/],
    ['a sysctl with ..', () => ns.sysctl('net..ipv4'), TypeError, /"net\.\.ipv4"/],
    ['a sysctl climbing out', () => ns.sysctl('net.ipv4.conf.all/../../../kernel/core_pattern'), TypeError, /has an empty, '\.', '\.\.' or NUL component/],
    ['a sysctl path climbing out', () => ns.sysctl('net/ipv4/../../kernel/hostname'), TypeError, /has an empty, '\.', '\.\.' or NUL component/],
    ['a sysctl value that is empty', () => ns.sysctl('net.ipv4.ip_forward', ''), TypeError, /must not be empty/],
    ['a sysctl value of two lines', () => ns.sysctl('net.ipv4.ip_forward', '1\n0'), TypeError, /"1\\n0" must be one line/],
    ['a sysctl value NaN', () => ns.sysctl('net.ipv4.ip_forward', Number.NaN), RangeError, /NaN/],
    ['a sysctl value an object', () => ns.sysctl('net.ipv4.ip_forward', cyclic as never), TypeError, /string or a number/],
    // Processes and containers.
    ['exec with NUL in an argument', () => ns.exec('echo', ['a\0b']), TypeError, /NUL/],
    ['exec command empty', () => ns.exec(''), TypeError, /""/],
    ['exec options null', () => ns.exec('true', [], null as never), TypeError, /null/],
    ['container reference with ..', () => Netns.fromContainer('../../etc'), TypeError, /"\.\.\/\.\.\/etc"/],
    ['container timeout 0', () => Netns.fromContainer('web', { timeout: 0 }), RangeError, /timeout 0/],
  ];
  const isLinkLocal = (a: string): boolean => /^(fe80|ff00)::/.test(a);
  const snapshot = (): string =>
    JSON.stringify([
      ipJson(ns.name!, 'link').map((l: any) => [l.ifname, l.mtu, l.address, l.flags.includes('UP')]),
      // IPv6 link-local addresses and their routes come from the kernel whenever carrier does:
      // they are not ours to compare.
      ipJson(ns.name!, 'addr').map((l: any) => l.addr_info.filter((a: any) => !isLinkLocal(a.local)).map((a: any) => `${a.local}/${a.prefixlen}`)),
      ipJson(ns.name!, 'route', 'show', 'table', 'all')
        .filter((r: any) => !isLinkLocal(r.dst))
        .map((r: any) => `${r.dst} ${r.table ?? ''} ${r.gateway ?? ''}`),
      ipJson(ns.name!, 'rule').length,
      ipJson(ns.name!, 'neigh').length,
      ipJson(ns.name!, 'neigh', 'show', 'proxy').length,
      ipJson(ns.name!, 'nexthop', 'show').length,
      ipJson(ns.name!, 'addrlabel', 'list').length,
      ipJson(ns.name!, 'netns', 'list-id').length,
      ipJson(other.name!, 'link').map((l: any) => l.ifname),
      // No NAT table was made (nft, where it is here, as the oracle).
      hasNft ? execFileSync('ip', ['netns', 'exec', ns.name!, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }) : 'no nft',
      // Other test files make and remove names in parallel: look at this process's names, and
      // at every path a refused call here could have made.
      readdirSync('/run/netns').filter((n) => n.startsWith(`${PREFIX}${process.pid}-`)).sort(),
      ['/run/netns/a', '/run/netns/x', '/tmp/x'].filter((p) => existsSync(p)),
    ]);
  const before = snapshot();
  t.ok(cases.length >= 80, `${cases.length} cases`);
  for (const [name, run, expect, message] of cases) {
    const s0 = native.stats();
    const e = await Promise.resolve()
      .then(run)
      .then(() => null, (x: unknown) => x);
    const s1 = native.stats();
    t.ok(e instanceof expect, `${name}: ${expect.name}, got ${String((e as Error | null)?.constructor?.name)}: ${String((e as Error | null)?.message)}`);
    t.match((e as Error | null)?.message, message, `${name}: names the value`);
    t.same([s1.sendCalls, s1.threads], [s0.sendCalls, s0.threads], `${name}: no request sent, no thread started`);
  }
  t.equal(snapshot(), before, 'nothing changed');
});

t.test('a bad route on a handle whose socket is not open yet starts no thread to open it', async (t) => {
  const [ns] = (await namedNetns(t, 'badfresh')) as [Netns];
  const fresh = await Netns.open(ns.name!);
  t.teardown(() => fresh.close());
  const before = native.stats();
  await t.rejects(fresh.addRoute({ to: 'default', metric: -1 }), RangeError);
  await t.rejects(fresh.addRoute({ to: 'default', dev: 'eth0', table: 0 }), RangeError);
  await t.rejects(fresh.addRoute({ to: 'default', dev: 'eth0', mtu: 10 }), RangeError);
  t.equal(native.stats().threads, before.threads, 'no socket-opening thread');
});
