// Links on the wire, both ways: each request's bytes as the kernel receives them, and the same
// bytes (an RTM_NEWLINK is also what the kernel answers) parsed back into a Link.
import t from 'tap';
import { C } from '../dist/wire/constants.js';
import { bond } from '../dist/wire/kinds/bond.js';
import { ipvlan } from '../dist/wire/kinds/ipvlan.js';
import { macvlan } from '../dist/wire/kinds/macvlan.js';
import { putVethPeer } from '../dist/wire/kinds/veth.js';
import { vlan } from '../dist/wire/kinds/vlan.js';
import { parseLink } from '../dist/wire/link.js';
import { encodeDelLink, encodeGetLink, encodeLinkProp, encodeNewLink, encodeSetLink } from '../dist/wire/link-message.js';
import { hex, message, reply } from './wire';

t.test('veth: the peer nested in IFLA_INFO_DATA, placed by IFLA_NET_NS_FD', async (t) => {
  const raw = hex(`
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
  `);
  const encoded = encodeNewLink({ name: 'veth0', up: true, mtu: 1400, kind: 'veth', data: (w) => putVethPeer(w, { name: 'veth1', mtu: 1400, netnsFd: 7 }) });
  t.same(encoded, raw, 'encode');
  t.match(parseLink(message(raw)), { name: 'veth0', mtu: 1400, up: true, flags: C.IFF_UP, kind: 'veth', info: { kind: 'veth' } }, 'parse');
});

t.test('bridge, delete, get: the plain requests', async (t) => {
  const bridge = hex(`
    38000000 1000 0506 00000000 00000000  # RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    00 00 0000 00000000 00000000 00000000
    0800 0300 62723000                    # IFLA_IFNAME "br0\\0"
    1000 1200                             # IFLA_LINKINFO
      0b00 0100 627269646765 00 00        #   IFLA_INFO_KIND "bridge\\0" + pad, no IFLA_INFO_DATA
  `);
  t.same(encodeNewLink({ name: 'br0', kind: 'bridge' }), bridge);
  t.match(parseLink(message(bridge)), { name: 'br0', kind: 'bridge', up: false, info: { kind: 'bridge' } });
  t.same(encodeDelLink('br0'), hex(`
    28000000 1100 0500 00000000 00000000  # len 40, RTM_DELLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 00000000
    0800 0300 62723000                    # IFLA_IFNAME "br0"
  `));
  t.same(encodeGetLink('br0', true), hex(`
    30000000 1200 0500 00000000 00000000  # len 48, RTM_GETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 00000000
    0800 0300 62723000                    # IFLA_IFNAME "br0"
    0800 1d00 08000000                    # IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS: only the index is wanted
  `));
});

t.test('setlink: a move by name, a rename by index, down and detached', async (t) => {
  const move = hex(`
    34000000 1300 0500 00000000 00000000  # len 52, RTM_SETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 00000000 # by name: index 0
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0\\0" + pad
    0800 1c00 07000000                    # IFLA_NET_NS_FD 7
  `);
  t.same(encodeSetLink({ name: 'eth0', netnsFd: 7 }), move);
  t.same(encodeSetLink({ index: 5, name: 'eth1' }).subarray(16), hex(`
    00 00 0000 05000000 00000000 00000000 # by index 5, so that
    0900 0300 65746831 00 000000          # IFLA_IFNAME carries the new name
  `));
  const down = hex(`
    34000000 1300 0500 00000000 00000000  # len 52, RTM_SETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 01000000 # flags 0, change IFF_UP: down
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0\\0"
    0800 0a00 00000000                    # IFLA_MASTER 0: nomaster
  `);
  t.same(encodeSetLink({ name: 'eth0', up: false, master: 0 }), down);
  // RTM_SETLINK is no reply type: parsed as a link it is skipped, never misread.
  t.equal(parseLink(message(down)), undefined);
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
  const link = parseLink(reply(C.RTM_NEWLINK, msg))!;
  t.match(link, { index: 3, name: 'veth0', mtu: 1500, address: '02:00:5e:00:53:01', operstate: 'UP', master: 2, linkIndex: 4, kind: 'veth', up: true, lowerUp: true });
  t.same(link.flagNames, ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'in the order ip link prints them');
  t.equal(String(link), '3: veth0@if4 veth <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP master 2 02:00:5e:00:53:01', 'String() is the line ip prints, not [object Object]');
  t.same(link.attribute(0x3fff), hex('2a000000'), 'the unknown attribute is kept');
  t.equal(parseLink({ ...reply(C.RTM_NEWLINK, msg), end: 12 }), undefined, 'shorter than ifinfomsg: skipped');
  // A longer struct from a newer kernel is fine: read as "at least N bytes".
  const stats = Buffer.alloc(4 + 200);
  stats.writeUInt16LE(stats.length, 0);
  stats.writeUInt16LE(C.IFLA_STATS64, 2);
  stats.writeUInt32LE(7, 4 + 16); // rx_bytes
  t.equal(parseLink(reply(C.RTM_NEWLINK, Buffer.concat([msg.subarray(0, 16), stats])))!.stats?.rxBytes, 7);
  const down = Buffer.from(msg);
  down.writeUInt32LE(C.IFF_UP | C.IFF_BROADCAST | C.IFF_MULTICAST, 8);
  t.same(parseLink(reply(C.RTM_NEWLINK, down))!.flagNames, ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], 'up without carrier, as ip says it');
});

t.test('kinds: their IFLA_INFO_DATA, and the same bytes read back', async (t) => {
  const vlanRaw = hex(`
    5c000000 1000 0506 00000000 00000000  # len 92, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    00 00 0000 00000000 00000000 00000000
    0d00 0300 657468302e313030 00 000000  # IFLA_IFNAME "eth0.100"
    0800 0500 05000000                    # IFLA_LINK 5: the parent's index
    2400 1200                             # IFLA_LINKINFO (36 bytes)
      0900 0100 766c616e 00 000000        #   IFLA_INFO_KIND "vlan"
      1400 0200                           #   IFLA_INFO_DATA
        0600 0100 6400 0000               #     IFLA_VLAN_ID 100
        0600 0500 88a8 0000               #     IFLA_VLAN_PROTOCOL 802.1ad, network byte order
  `);
  const v = vlan.check({ id: 100, protocol: '802.1ad' }, false);
  t.same(encodeNewLink({ name: 'eth0.100', parent: 5, kind: 'vlan', data: (w) => vlan.encode!(w, v, () => 0) }), vlanRaw);
  t.match(parseLink(message(vlanRaw)), { name: 'eth0.100', linkIndex: 5, info: { kind: 'vlan', id: 100, protocol: '802.1ad' } });

  const ipvlanData = hex(`
    2400 1200                             # IFLA_LINKINFO (36 bytes)
      0b00 0100 6970766c616e 00 00        #   IFLA_INFO_KIND "ipvlan"
      1400 0200                           #   IFLA_INFO_DATA (20 bytes)
        0600 0100 0200 0000               #     IFLA_IPVLAN_MODE l3s
        0600 0200 0100 0000               #     IFLA_IPVLAN_FLAGS private
  `);
  const iv = ipvlan.check({ mode: 'l3s', flags: 'private' }, false);
  const ivRaw = encodeNewLink({ name: 'iv0', parent: 5, kind: 'ipvlan', data: (w) => ipvlan.encode!(w, iv, () => 0) });
  t.same(ivRaw.subarray(-36), ipvlanData);
  t.match(parseLink(message(ivRaw))?.info, { kind: 'ipvlan', mode: 'l3s', flags: 'private' });

  const bondData = hex(`
    1c00 1200                             # IFLA_LINKINFO
      0900 0100 626f6e64 00 000000        #   IFLA_INFO_KIND "bond"
      0c00 0200                           #   IFLA_INFO_DATA
        0500 0100 04 000000               #     IFLA_BOND_MODE 802.3ad (4)
  `);
  const b = bond.check({ mode: '802.3ad' }, false);
  const bondRaw = encodeNewLink({ name: 'bond0', kind: 'bond', data: (w) => bond.encode!(w, b, () => 0) });
  t.same(bondRaw.subarray(-28), bondData);
  t.match(parseLink(message(bondRaw))?.info, { kind: 'bond', mode: '802.3ad' });

  const mvTail = hex(`
    1c00 1200                             # IFLA_LINKINFO
      0c00 0100 6d6163766c616e 00         #   IFLA_INFO_KIND "macvlan"
      0c00 0200                           #   IFLA_INFO_DATA
        0800 0100 02000000                #     IFLA_MACVLAN_MODE vepa
    0800 1c00 07000000                    # IFLA_NET_NS_FD 7: made directly in the other namespace
  `);
  const mv = macvlan.check({ mode: 'vepa' }, false);
  const mvRaw = encodeNewLink({ name: 'mv0', parent: 5, kind: 'macvlan', data: (w) => macvlan.encode!(w, mv, () => 0), netnsFd: 7 });
  t.same(mvRaw.subarray(-36), mvTail);
  t.match(parseLink(message(mvRaw))?.info, { kind: 'macvlan', mode: 'vepa' });
});

t.test('a kind this library does not decode keeps its data raw, both ways', async (t) => {
  const raw = hex(`
    40000000 1000 0506 00000000 00000000  # len 64, RTM_NEWLINK
    00 00 0000 00000000 00000000 00000000
    0700 0300 6630 00 00                  # IFLA_IFNAME "f0"
    1800 1200                             # IFLA_LINKINFO
      0800 0100 666f6f 00                 #   IFLA_INFO_KIND "foo"
      0c00 0200 0800 0100 2a000000        #   IFLA_INFO_DATA { attribute 1: 42 }
  `);
  t.same(encodeNewLink({ name: 'f0', kind: 'foo', data: hex('0800 0100 2a000000') }), raw);
  const link = parseLink(message(raw))!;
  t.equal(link.kind, 'foo');
  t.same(link.info, { kind: 'foo', data: hex('0800 0100 2a000000') });
});

t.test('setlink: txqlen, group, alias, and flags with their change mask', async (t) => {
  const raw = hex(`
    44000000 1300 0500 00000000 00000000  # len 68, RTM_SETLINK, REQUEST|ACK
    00 00 0000 00000000 81030000 81130000 # flags UP|NOARP|PROMISC|ALLMULTI, change those and MULTICAST (cleared)
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0\\0"
    0800 0d00 2a000000                    # IFLA_TXQLEN 42
    0800 1b00 03000000                    # IFLA_GROUP 3
    0600 1400 6869 0000                   # IFLA_IFALIAS "hi", without a NUL as ip sends it
  `);
  const flagMask = C.IFF_PROMISC | C.IFF_ALLMULTI | C.IFF_MULTICAST | C.IFF_NOARP;
  t.same(encodeSetLink({ name: 'eth0', up: true, flags: C.IFF_PROMISC | C.IFF_ALLMULTI | C.IFF_NOARP, flagMask, txqlen: 42, group: 3, alias: 'hi' }), raw);
  t.same(encodeSetLink({ name: 'eth0', alias: '' }).subarray(-4), hex('0400 1400  # IFLA_IFALIAS empty: clears the alias'));
  t.same(encodeSetLink({ name: 'eth0', flags: C.IFF_UP, flagMask: 0 }).subarray(24, 32), hex('00000000 00000000  # a bit outside the mask is not sent'));
});

t.test('veth: the peer takes its own txqlen and group', async (t) => {
  const raw = hex(`
    80000000 1000 0506 00000000 00000000  # len 128, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    00 00 0000 00000000 00000000 00000000
    0a00 0300 7665746830 00 0000          # IFLA_IFNAME "veth0"
    0800 0d00 f4010000                    # IFLA_TXQLEN 500
    0800 1b00 07000000                    # IFLA_GROUP 7
    4400 1200                             # IFLA_LINKINFO (68 bytes)
      0900 0100 76657468 00 000000        #   IFLA_INFO_KIND "veth"
      3400 0200                           #   IFLA_INFO_DATA (52 bytes)
        3000 0100                         #     VETH_INFO_PEER (48 bytes)
          00 00 0000 00000000 00000000 00000000
          0a00 0300 7665746831 00 0000    #       IFLA_IFNAME "veth1"
          0800 0d00 2c010000              #       IFLA_TXQLEN 300
          0800 1b00 09000000              #       IFLA_GROUP 9
  `);
  t.same(encodeNewLink({ name: 'veth0', txqlen: 500, group: 7, kind: 'veth', data: (w) => putVethPeer(w, { name: 'veth1', txqlen: 300, group: 9 }) }), raw);
  t.match(parseLink(message(raw)), { name: 'veth0', txqlen: 500, group: 7 });
});

t.test('altnames: RTM_NEWLINKPROP / RTM_DELLINKPROP, and a lookup by IFLA_ALT_IFNAME', async (t) => {
  const add = hex(`
    44000000 6c00 050e 00000000 00000000  # len 68, RTM_NEWLINKPROP (108), REQUEST|ACK|EXCL|CREATE|APPEND as ip sends
    00 00 0000 00000000 00000000 00000000
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0"
    1800 3480                             # IFLA_PROP_LIST (52) | NLA_F_NESTED, 24 bytes
      1100 3500 75706c696e6b302d636f7265 00 000000 #   IFLA_ALT_IFNAME (53) "uplink0-core"
  `);
  t.same(encodeLinkProp('add', 'eth0', ['uplink0-core']), add);
  const del = encodeLinkProp('delete', 'eth0', ['uplink0-core']);
  t.same(del.subarray(0, 8), hex('44000000 6d00 0500  # RTM_DELLINKPROP (109), REQUEST|ACK'));
  t.same(del.subarray(16), add.subarray(16), 'the same body');
  t.same(encodeGetLink('uplink-to-the-core', false, true), hex(`
    38000000 1200 0500 00000000 00000000  # len 56, RTM_GETLINK, REQUEST|ACK
    00 00 0000 00000000 00000000 00000000
    1700 3500 75706c696e6b2d746f2d7468652d636f7265 00 00 # IFLA_ALT_IFNAME "uplink-to-the-core": longer than IFNAMSIZ
  `));
  t.same([C.RTM_NEWLINKPROP, C.RTM_DELLINKPROP, C.IFLA_PROP_LIST, C.IFLA_ALT_IFNAME], [108, 109, 52, 53], 'linux/rtnetlink.h and linux/if_link.h values');
});

t.test('a reply with an alias, a group, altnames and flags reads back', async (t) => {
  const msg = hex(`
    00 00 0100 03000000 83131100 00000000 # ARPHRD_ETHER, index 3, flags UP|BROADCAST|NOARP|PROMISC|ALLMULTI|MULTICAST|LOWER_UP
    0900 0300 65746830 00 000000          # IFLA_IFNAME "eth0"
    0800 0d00 2a000000                    # IFLA_TXQLEN 42
    0800 1b00 03000000                    # IFLA_GROUP 3
    1000 1400 75706c696e6b20636f7265 00   # IFLA_IFALIAS "uplink core\\0" (the kernel adds a NUL)
    2000 3480                             # IFLA_PROP_LIST | NLA_F_NESTED, 32 bytes
      1100 3500 75706c696e6b302d636f7265 00 000000 #   IFLA_ALT_IFNAME "uplink0-core"
      0700 3500 7570 00 00                #   IFLA_ALT_IFNAME "up"
  `);
  const link = parseLink(reply(C.RTM_NEWLINK, msg))!;
  t.match(link, { name: 'eth0', txqlen: 42, group: 3, alias: 'uplink core', altNames: ['uplink0-core', 'up'] });
  t.same([link.promisc, link.allmulticast, link.multicast, link.arp], [true, true, true, false]);
  const plain = parseLink(reply(C.RTM_NEWLINK, msg.subarray(0, 28)))!;
  t.match(plain, { name: 'eth0', alias: null, altNames: [], group: 0 });
});
