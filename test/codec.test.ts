// Golden bytes: requests as the kernel receives them, and replies parsed back. No root needed:
// a fake namespace captures each message instead of sending it.
import t from 'tap';
import { eachAttr, MessageWriter } from '../dist/attr.js';
import { addAddress, parseAddress } from '../dist/address.js';
import type { Connection } from '../dist/connection.js';
import { native } from '../dist/native.js';
import { C } from '../dist/constants.js';
import { broadcastOf, formatAddress, parsePrefix } from '../dist/ip.js';
import { createBridge, createLink, createVeth, moveToNetns, parseLink, setLink, type LinkHost } from '../dist/link.js';
import { addRoute, deleteRoute } from '../dist/route.js';
import { addRule } from '../dist/rule.js';

/** Hex with whitespace and `# comments` removed. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gmu, '').replace(/\s+/gu, ''), 'hex');

/** Interface names are looked up with SIOCGIFINDEX on the socket: here every name is index 5. */
const looked: string[] = [];
const realIfindex = native.ifindex;
native.ifindex = (_sock: number, name: string) => {
  looked.push(name);
  return 5;
};
t.teardown(() => {
  native.ifindex = realIfindex;
});

/** A namespace whose socket records requests instead of sending them. */
function fakeHost(): { host: LinkHost; sent: Buffer[] } {
  const sent: Buffer[] = [];
  const conn = {
    fd: -1,
    request: async (msg: Buffer) => {
      sent.push(Buffer.from(msg));
      return [];
    },
  } as unknown as Connection;
  return { host: { label: 'fake', connection: () => conn }, sent };
}
const peerNs = { label: 'peer', borrowFd: () => 7, returnFd: () => undefined, connection: () => { throw new Error('not used'); } };

t.test('createVeth: the peer nested in IFLA_INFO_DATA, placed by IFLA_NET_NS_FD', async (t) => {
  const { host, sent } = fakeHost();
  await createVeth(host, 'veth0', { peer: 'veth1', mtu: 1400, up: true }, peerNs);
  t.same(sent[0], hex(`
    78000000 1000 0506 00000000 00000000  # nlmsghdr: len 120, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq (set when sent), pid 0
    00 00 0000 00000000 01000000 01000000 # ifinfomsg: AF_UNSPEC, type 0, index 0, flags IFF_UP, change IFF_UP
    0a00 0300 7665746830 00 0000          # IFLA_IFNAME "veth0\\0" + pad
    0800 0400 78050000                    # IFLA_MTU 1400
    4400 1200                             # IFLA_LINKINFO (68 bytes)
      0900 0100 76657468 00 000000        #   IFLA_INFO_KIND "veth\\0" + pad
      3400 0200                           #   IFLA_INFO_DATA (52 bytes)
        3000 0100                         #     VETH_INFO_PEER (48 bytes): struct ifinfomsg, then attributes
          00 00 0000 00000000 00000000 00000000  # the peer's ifinfomsg
          0a00 0300 7665746831 00 0000    #       IFLA_IFNAME "veth1\\0" + pad
          0800 0400 78050000              #       IFLA_MTU 1400
          0800 1c00 07000000              #       IFLA_NET_NS_FD 7
  `));
});

t.test('createVeth with a bridge by name: its index looked up, then IFLA_MASTER', async (t) => {
  const { host, sent } = fakeHost();
  looked.length = 0;
  await createVeth(host, 'v0', { peer: 'v1', master: 'br0', address: '02:00:5e:00:53:01' }, null);
  t.equal(sent.length, 1, 'one request: the name resolves without a netlink round trip');
  t.same(looked, ['br0']);
  const attrs: Record<number, Buffer> = {};
  eachAttr(sent[0]!, 32, sent[0]!.length, (type, s, e) => {
    attrs[type] = sent[0]!.subarray(s, e);
  });
  t.same(attrs[C.IFLA_MASTER], hex('05000000'), 'IFLA_MASTER 5');
  t.same(attrs[C.IFLA_ADDRESS], hex('02005e005301'), 'IFLA_ADDRESS');
});

t.test('createBridge and moveToNetns', async (t) => {
  const { host, sent } = fakeHost();
  await createBridge(host, 'br0', undefined);
  t.same(sent[0], hex(`
    38000000 1000 0506 00000000 00000000  # RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    00 00 0000 00000000 00000000 00000000
    0800 0300 62723000                    # IFLA_IFNAME "br0\\0"
    1000 1200                             # IFLA_LINKINFO
      0b00 0100 627269646765 00 00        #   IFLA_INFO_KIND "bridge\\0" + pad
  `));
  await moveToNetns(host, 'eth0', peerNs, undefined);
  t.same(sent[1], hex(`
    34000000 1300 0500 00000000 00000000  # len 52, RTM_SETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 00000000 # by name: index 0
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0\\0" + pad
    0800 1c00 07000000                    # IFLA_NET_NS_FD 7
  `));
  await moveToNetns(host, 'eth0', peerNs, { name: 'eth1' });
  t.equal(sent.length, 4, 'rename here, then move');
  t.same(sent[2]!.subarray(16), hex(`
    00 00 0000 05000000 00000000 00000000 # by index 5 (looked up), so that
    0900 0300 65746831 00 000000          # IFLA_IFNAME carries the new name
  `));
  t.same(sent[3]!.subarray(16), hex(`
    00 00 0000 05000000 00000000 00000000
    0900 0300 65746831 00 000000          # the new name kept
    0800 1c00 07000000                    # IFLA_NET_NS_FD 7
  `));
});

t.test('setLink: up, detach from master', async (t) => {
  const { host, sent } = fakeHost();
  await setLink(host, 'eth0', { up: false, master: null });
  t.same(sent[0], hex(`
    34000000 1300 0500 00000000 00000000  # len 52, RTM_SETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 01000000 # flags 0, change IFF_UP: down
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0\\0"
    0800 0a00 00000000                    # IFLA_MASTER 0: nomaster
  `));
});

t.test('addAddress: ifaddrmsg, IFA_LOCAL and IFA_ADDRESS, broadcast computed', async (t) => {
  const { host, sent } = fakeHost();
  await addAddress(host, 'eth0', '192.0.2.1/24', { broadcast: true });
  t.same(sent[0], hex(`
    30000000 1400 0506 00000000 00000000  # len 48, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
    02 18 00 00 05000000                  # ifaddrmsg: AF_INET, /24, flags 0, scope global, index 5
    0800 0200 c0000201                    # IFA_LOCAL 192.0.2.1
    0800 0100 c0000201                    # IFA_ADDRESS 192.0.2.1
    0800 0400 c00002ff                    # IFA_BROADCAST 192.0.2.255
  `));
  await addAddress(host, 'eth0', '2001:db8::1/64', { noDad: true, replace: true, validLifetime: 600, preferredLifetime: 300 });
  t.same(sent[1], hex(`
    54000000 1400 0505 00000000 00000000  # len 84, RTM_NEWADDR, REQUEST|ACK|REPLACE|CREATE
    0a 40 02 00 05000000                  # AF_INET6, /64, IFA_F_NODAD, scope global, index 5
    1400 0200 20010db8000000000000000000000001  # IFA_LOCAL
    1400 0100 20010db8000000000000000000000001  # IFA_ADDRESS
    1400 0600 2c010000 58020000 00000000 00000000 # IFA_CACHEINFO: preferred 300, valid 600
  `));
});

t.test('an RTM_NEWLINK reply parses into a Link; unknown and truncated attributes are harmless', async (t) => {
  const msg = hex(`
    00 00 0100 03000000 43100100 00000000 # ifinfomsg: ARPHRD_ETHER, index 3, flags UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
    0a00 0300 7665746830 00 0000          # IFLA_IFNAME "veth0"
    0800 0400 dc050000                    # IFLA_MTU 1500
    0a00 0100 02005e005301 0000           # IFLA_ADDRESS
    0500 1000 06 000000                   # IFLA_OPERSTATE UP
    0800 0a00 02000000                    # IFLA_MASTER 2
    0800 0500 04000000                    # IFLA_LINK 4
    0800 ff3f 2a000000                    # an attribute this library does not know (type 0x3fff)
    1000 1200 0900 0100 76657468 00 000000 # IFLA_LINKINFO { IFLA_INFO_KIND "veth" }
    2000 0400 01                          # IFLA_MTU again, claiming 32 bytes that are not there
  `);
  const link = parseLink({ type: C.RTM_NEWLINK, flags: 0, seq: 1, buf: msg, start: 0, end: msg.length })!;
  t.match(link, { index: 3, name: 'veth0', mtu: 1500, address: '02:00:5e:00:53:01', operstate: 'UP', master: 2, linkIndex: 4, kind: 'veth', up: true, lowerUp: true });
  t.same(link.flagNames, ['UP', 'BROADCAST', 'MULTICAST', 'LOWER_UP']);
  t.same(link.attribute(0x3fff), hex('2a000000'), 'the unknown attribute is kept');
  t.equal(parseLink({ type: C.RTM_NEWLINK, flags: 0, seq: 1, buf: msg, start: 0, end: 12 }), undefined, 'shorter than ifinfomsg: skipped');
  // A longer struct from a newer kernel is fine: read as "at least N bytes".
  const stats = Buffer.alloc(4 + 200);
  stats.writeUInt16LE(stats.length, 0);
  stats.writeUInt16LE(C.IFLA_STATS64, 2);
  stats.writeUInt32LE(7, 4 + 16); // rx_bytes
  const withStats = Buffer.concat([msg.subarray(0, 16), stats]);
  t.equal(parseLink({ type: C.RTM_NEWLINK, flags: 0, seq: 1, buf: withStats, start: 0, end: withStats.length })!.stats?.rxBytes, 7);
});

t.test('an RTM_NEWADDR reply parses into an Address', async (t) => {
  const msg = hex(`
    0a 40 80 00 03000000                  # AF_INET6, /64, IFA_F_PERMANENT, scope global, index 3
    1400 0100 20010db8000000000000000000000001  # IFA_ADDRESS 2001:db8::1
    1400 0600 ffffffff ffffffff 00000000 00000000 # IFA_CACHEINFO forever
    0800 0800 82000000                    # IFA_FLAGS PERMANENT|NODAD
  `);
  const a = parseAddress({ type: C.RTM_NEWADDR, flags: 0, seq: 1, buf: msg, start: 0, end: msg.length })!;
  t.match(a, { family: 6, address: '2001:db8::1', prefixLength: 64, index: 3, scope: 'global', validLifetime: Infinity, peer: null });
  t.same(a.flagNames, ['nodad', 'permanent']);
  t.equal(a.cidr, '2001:db8::1/64');
});

t.test('IP text: parsed strictly, printed as inet_ntop prints', async (t) => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::1:2', 'fe80::1:2'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8::1:0', '2001:db8::1:0'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['198.51.100.7', '198.51.100.7'],
  ];
  for (const [input, printed] of cases) {
    const p = parsePrefix(input);
    t.equal(formatAddress(p.bytes, 0, p.bytes.length), printed, input);
  }
  t.equal(parsePrefix('203.0.113.9/24').prefixLength, 24);
  t.equal(parsePrefix('2001:db8::1').prefixLength, 128, 'a bare address is a host prefix');
  t.same(broadcastOf(parsePrefix('198.18.0.1/15').bytes, 15), hex('c613ffff'));
  t.throws(() => parsePrefix('10.0.0.1/33'), RangeError);
  t.throws(() => parsePrefix('2001:db8::1/129'), RangeError);
  for (const bad of ['10.0.0.256/24', '10.0.0/24', '10.0.0.1/', '10.0.0.1/2a', '2001:db8:::1/64', 'fe80::1%eth0', '', 42]) {
    t.throws(() => parsePrefix(bad), TypeError, String(bad));
  }
});

t.test('MessageWriter: nests, alignment and an oversized nest', async (t) => {
  const w = new MessageWriter(1, 0, 8);
  const n = w.nestStart(9);
  w.putU8(1, 0xab).putU16(2, 0x1234).putStrz(3, '');
  w.nestEnd(n);
  t.same(w.finish(), hex(`
    2c000000 0100 0000 00000000 00000000  # grown from 8 bytes; len 44
    1c00 0900                             # nest of 28 bytes
      0500 0100 ab 000000                 # u8 + pad
      0600 0200 3412 0000                 # u16 + pad
      0500 0300 00 000000                 # empty string: just the NUL
  `));
  const big = new MessageWriter(1, 0);
  t.throws(() => big.putBytes(2, Buffer.alloc(70000)), RangeError, 'an attribute over 64 KiB');
  const at = big.nestStart(1);
  big.putBytes(2, Buffer.alloc(40000)).putBytes(2, Buffer.alloc(40000));
  t.throws(() => big.nestEnd(at), RangeError, 'a nest over 64 KiB');
});

t.test('addRoute: rtmsg, RTA_TABLE, and RTA_MULTIPATH with struct rtnexthop', async (t) => {
  const { host, sent } = fakeHost();
  looked.length = 0;
  await addRoute(host, { to: '203.0.113.0/24', nexthops: [{ via: '192.0.2.1', dev: 'eth0', weight: 3 }, { via: '198.51.100.1' }], metric: 7 }, false);
  t.same(sent[0], hex(`
    58000000 1800 0506 00000000 00000000  # len 88, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
    02 18 00 00 fe 03 00 01 00000000      # rtmsg: AF_INET, dst /24, src 0, tos 0, table main, proto boot, scope universe, unicast, flags 0
    0800 0f00 fe000000                    # RTA_TABLE 254
    0800 0100 cb007100                    # RTA_DST 203.0.113.0
    0800 0600 07000000                    # RTA_PRIORITY 7
    2400 0900                             # RTA_MULTIPATH (36 bytes)
      1000 00 02 05000000                 #   rtnexthop: len 16, flags 0, hops 2 (weight 3), ifindex 5 (eth0)
      0800 0500 c0000201                  #     RTA_GATEWAY 192.0.2.1
      1000 00 00 00000000                 #   rtnexthop: len 16, weight 1, no device
      0800 0500 c6336401                  #     RTA_GATEWAY 198.51.100.1
  `));
  t.same(looked, ['eth0'], 'eth0 was looked up');
});

t.test('deleteRoute: unspecified type and protocol, scope nowhere, as ip route del', async (t) => {
  const { host, sent } = fakeHost();
  await deleteRoute(host, { to: 'default', via: '2001:db8::1' }, undefined);
  t.same(sent[0], hex(`
    38000000 1900 0500 00000000 00000000  # len 56, RTM_DELROUTE, REQUEST|ACK
    0a 00 00 00 fe 00 ff 00 00000000      # AF_INET6, dst /0 (default), table main, proto 0, scope nowhere, type 0
    0800 0f00 fe000000                    # RTA_TABLE 254
    1400 0500 20010db8000000000000000000000001 # RTA_GATEWAY 2001:db8::1
  `));
});

t.test('addRule: fib_rule_hdr with FRA_TABLE, FRA_PRIORITY and FRA_SRC', async (t) => {
  const { host, sent } = fakeHost();
  await addRule(host, { from: '192.0.2.0/24', table: 100, priority: 1000 });
  t.same(sent[0], hex(`
    34000000 2000 0506 00000000 00000000  # len 52, RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
    02 00 18 00 64 00 00 01 00000000      # AF_INET, dst 0, src /24, tos 0, table 100, res, res, FR_ACT_TO_TBL, flags 0
    0800 0f00 64000000                    # FRA_TABLE 100
    0800 0600 e8030000                    # FRA_PRIORITY 1000
    0800 0200 c0000200                    # FRA_SRC 192.0.2.0
  `));
});

t.test('kinds this kernel may lack: the request bytes', async (t) => {
  const { host, sent } = fakeHost();
  await createLink(host, { kind: 'vlan', name: 'eth0.100', parent: 'eth0', id: 100, protocol: '802.1ad' }, null);
  t.same(sent[0], hex(`
    5c000000 1000 0506 00000000 00000000  # len 92, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    00 00 0000 00000000 00000000 00000000
    0d00 0300 657468302e313030 00 000000  # IFLA_IFNAME "eth0.100"
    0800 0500 05000000                    # IFLA_LINK 5: the parent's index
    2400 1200                             # IFLA_LINKINFO (36 bytes)
      0900 0100 766c616e 00 000000        #   IFLA_INFO_KIND "vlan"
      1400 0200                           #   IFLA_INFO_DATA
        0600 0100 6400 0000               #     IFLA_VLAN_ID 100
        0600 0500 88a8 0000               #     IFLA_VLAN_PROTOCOL 802.1ad, network byte order
  `));
  await createLink(host, { kind: 'dummy', name: 'd0' }, null);
  t.same(sent[1], hex(`
    3c000000 1000 0506 00000000 00000000  # len 60
    00 00 0000 00000000 00000000 00000000
    0700 0300 6430 00 00                  # IFLA_IFNAME "d0"
    1400 1200                             # IFLA_LINKINFO
      0a00 0100 64756d6d79 00 0000        #   IFLA_INFO_KIND "dummy"
      0400 0200                           #   IFLA_INFO_DATA, empty
  `));
  await createLink(host, { kind: 'ipvlan', name: 'iv0', parent: 'eth0', mode: 'l3s', flags: 'private' }, null);
  t.same(sent[2]!.subarray(-36), hex(`
    2400 1200                             # IFLA_LINKINFO (36 bytes)
      0b00 0100 6970766c616e 00 00        #   IFLA_INFO_KIND "ipvlan"
      1400 0200                           #   IFLA_INFO_DATA (20 bytes)
        0600 0100 0200 0000               #     IFLA_IPVLAN_MODE l3s
        0600 0200 0100 0000               #     IFLA_IPVLAN_FLAGS private
  `));
  await createLink(host, { kind: 'bond', name: 'bond0', mode: '802.3ad' }, null);
  t.same(sent[3]!.subarray(-28), hex(`
    1c00 1200                             # IFLA_LINKINFO
      0900 0100 626f6e64 00 000000        #   IFLA_INFO_KIND "bond"
      0c00 0200                           #   IFLA_INFO_DATA
        0500 0100 04 000000               #     IFLA_BOND_MODE 802.3ad (4)
  `));
  await createLink(host, { kind: 'macvlan', name: 'mv0', parent: 'eth0', mode: 'vepa' }, peerNs);
  t.same(sent[4]!.subarray(-36), hex(`
    1c00 1200                             # IFLA_LINKINFO
      0c00 0100 6d6163766c616e 00         #   IFLA_INFO_KIND "macvlan"
      0c00 0200                           #   IFLA_INFO_DATA
        0800 0100 02000000                #     IFLA_MACVLAN_MODE vepa
    0800 1c00 07000000                    # IFLA_NET_NS_FD 7: made directly in the other namespace
  `));
});

t.test('a kind this library does not decode keeps its data raw', async (t) => {
  const msg = hex(`
    00 00 0100 09000000 00000000 00000000
    0700 0300 6630 00 00                  # IFLA_IFNAME "f0"
    1800 1200                             # IFLA_LINKINFO
      0800 0100 666f6f 00                 #   IFLA_INFO_KIND "foo"
      0c00 0200 0800 0100 2a000000        #   IFLA_INFO_DATA { attribute 1: 42 }
  `);
  const link = parseLink({ type: C.RTM_NEWLINK, flags: 0, seq: 1, buf: msg, start: 0, end: msg.length })!;
  t.equal(link.kind, 'foo');
  t.same(link.info, { kind: 'foo', data: hex('0800 0100 2a000000') });
});
