// Routes on the wire, both ways: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE as sent, and the
// RTM_NEWROUTE bytes parsed back.
import t from 'tap';
import { C } from '../dist/wire/constants.js';
import { encodeDumpRoutes, encodeGetRoute, encodeRoute, parseRoute } from '../dist/wire/route.js';
import { hex, message, reply } from './wire';

const route = { af: C.AF_INET, table: C.RT_TABLE_MAIN, protocol: C.RTPROT_BOOT, scope: C.RT_SCOPE_UNIVERSE, type: C.RTN_UNICAST, onlink: false };

t.test('multipath: rtmsg, RTA_TABLE, and RTA_MULTIPATH with struct rtnexthop', async (t) => {
  const raw = hex(`
    58000000 1800 0506 00000000 00000000  # len 88, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
    02 18 00 00 fe 03 00 01 00000000      # rtmsg: AF_INET, dst /24, src 0, tos 0, table main, proto boot, scope universe, unicast, flags 0
    0800 0f00 fe000000                    # RTA_TABLE 254
    0800 0100 cb007100                    # RTA_DST 203.0.113.0
    0800 0600 07000000                    # RTA_PRIORITY 7
    2400 0900                             # RTA_MULTIPATH (36 bytes)
      1000 00 02 05000000                 #   rtnexthop: len 16, flags 0, hops 2 (weight 3), ifindex 5
      0800 0500 c0000201                  #     RTA_GATEWAY 192.0.2.1
      1000 00 00 00000000                 #   rtnexthop: len 16, weight 1, no device
      0800 0500 c6336401                  #     RTA_GATEWAY 198.51.100.1
  `);
  const nexthops = [{ via: hex('c0000201'), oif: 5, weight: 3 }, { via: hex('c6336401'), oif: 0, weight: 1 }];
  t.same(encodeRoute('add', { ...route, dst: { bytes: hex('cb007100'), prefixLength: 24 }, metric: 7, nexthops }), raw);
  t.match(parseRoute(message(raw)), {
    family: 4, to: '203.0.113.0/24', table: 'main', protocol: 'boot', scope: 'global', type: 'unicast', metric: 7,
    nexthops: [{ gateway: '192.0.2.1', oif: 5, weight: 3 }, { gateway: '198.51.100.1', oif: 0, weight: 1 }],
  });
});

t.test('delete: unspecified type and protocol, scope nowhere, as ip route del', async (t) => {
  const raw = hex(`
    38000000 1900 0500 00000000 00000000  # len 56, RTM_DELROUTE, REQUEST|ACK
    0a 00 00 00 fe 00 ff 00 00000000      # AF_INET6, dst /0 (default), table main, proto 0, scope nowhere, type 0
    0800 0f00 fe000000                    # RTA_TABLE 254
    1400 0500 20010db8000000000000000000000001 # RTA_GATEWAY 2001:db8::1
  `);
  const del = { af: C.AF_INET6, dst: null, table: C.RT_TABLE_MAIN, protocol: C.RTPROT_UNSPEC, scope: C.RT_SCOPE_NOWHERE, type: C.RTN_UNSPEC, onlink: false };
  t.same(encodeRoute('delete', { ...del, via: hex('20010db8000000000000000000000001') }), raw);
  t.equal(parseRoute(message(raw)), undefined, 'RTM_DELROUTE is not read as a route');
});

t.test('a table above 255 goes in RTA_TABLE alone; mtu in RTA_METRICS; onlink', async (t) => {
  const raw = encodeRoute('replace', { ...route, table: 1000, dst: null, via: hex('c0000201'), oif: 2, mtu: 1400, onlink: true });
  t.same(raw, hex(`
    40000000 1800 0505 00000000 00000000  # len 64, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE
    02 00 00 00 00 03 00 01 04000000      # table RT_TABLE_UNSPEC in the header, RTNH_F_ONLINK
    0800 0f00 e8030000                    # RTA_TABLE 1000
    0800 0500 c0000201                    # RTA_GATEWAY
    0800 0400 02000000                    # RTA_OIF 2
    0c00 0800 0800 0200 78050000          # RTA_METRICS { RTAX_MTU 1400 }
  `));
  t.match(parseRoute(message(raw)), { to: 'default', table: 1000, gateway: '192.0.2.1', oif: 2, mtu: 1400, onlink: true });
});

t.test('lookups and dumps', async (t) => {
  t.same(encodeGetRoute({ af: C.AF_INET, dst: hex('cb007101'), mark: 1 }), hex(`
    2c000000 1a00 0500 00000000 00000000  # len 44, RTM_GETROUTE, REQUEST|ACK
    02 20 00 00 00 00 00 00 00100000      # AF_INET, dst /32, flags RTM_F_LOOKUP_TABLE: the reply names the table used
    0800 0100 cb007101                    # RTA_DST 203.0.113.1
    0800 1000 01000000                    # RTA_MARK 1
  `));
  t.same(encodeGetRoute({ af: C.AF_INET, dst: hex('cb007101'), fibMatch: true }).subarray(24, 28), hex('00300000  # IPv4: RTM_F_LOOKUP_TABLE|RTM_F_FIB_MATCH'));
  t.same(encodeGetRoute({ af: C.AF_INET6, dst: hex('20010db8000900000000000000000001'), fibMatch: true }), hex(`
    30000000 1a00 0500 00000000 00000000  # len 48, RTM_GETROUTE, REQUEST|ACK
    0a 80 00 00 00 00 00 00 00200000      # AF_INET6, dst /128, RTM_F_FIB_MATCH (ip route get fibmatch); IPv6 refuses RTM_F_LOOKUP_TABLE
    1400 0100 20010db8000900000000000000000001 # RTA_DST 2001:db8:9::1
  `));
  t.same(encodeDumpRoutes(C.AF_INET, 100), hex(`
    24000000 1a00 0103 00000000 00000000  # len 36, RTM_GETROUTE, REQUEST|DUMP
    02 00 00 00 64 00 00 00 00000000      # AF_INET, table 100
    0800 0f00 64000000                    # RTA_TABLE 100
  `));
});

t.test('a reply keeps what it does not decode', async (t) => {
  const msg = hex(`
    02 18 00 00 fe 02 fd 01 00000000      # AF_INET /24, main, proto kernel, scope link, unicast
    0800 0100 c0000200                    # RTA_DST 192.0.2.0
    0800 0700 c0000201                    # RTA_PREFSRC 192.0.2.1
    0800 1400 00000000                    # RTA_PREF: not decoded
  `);
  const r = parseRoute(reply(C.RTM_NEWROUTE, msg))!;
  t.match(r, { to: '192.0.2.0/24', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.1' });
  t.same(r.attribute(20), hex('00000000'));
});

t.test('tos in the header, mtu lock in RTA_METRICS, the realm in RTA_FLOW', async (t) => {
  const raw = hex(`
    50000000 1800 0506 00000000 00000000  # len 80, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
    02 18 00 10 fe 03 00 01 00000000      # AF_INET, dst /24, src 0, tos 0x10, main, boot, universe, unicast
    0800 0f00 fe000000                    # RTA_TABLE 254
    0800 0100 cb007100                    # RTA_DST 203.0.113.0
    0800 0500 c0000201                    # RTA_GATEWAY 192.0.2.1
    1400 0800                             # RTA_METRICS (20 bytes)
      0800 0200 78050000                  #   RTAX_MTU 1400
      0800 0100 04000000                  #   RTAX_LOCK 1 << RTAX_MTU: mtu lock
    0800 0b00 05000000                    # RTA_FLOW 5: realm 5
  `);
  t.same(encodeRoute('add', { ...route, dst: { bytes: hex('cb007100'), prefixLength: 24 }, via: hex('c0000201'), tos: 0x10, mtu: 1400, mtuLock: true, realm: 5 }), raw);
  const r = parseRoute(message(raw))!;
  t.match(r, { to: '203.0.113.0/24', tos: 0x10, gateway: '192.0.2.1', mtu: 1400, mtuLock: true, realm: 5 });
  t.equal(String(r), '203.0.113.0/24 tos 0x10 via 192.0.2.1 proto boot');
  t.equal(C.RTA_FLOW, 11, 'linux/rtnetlink.h values, as the addon reads them too (constants.test.ts)');
  t.equal(C.RTAX_LOCK, 1);
  t.equal(C.RTM_F_FIB_MATCH, 0x2000);
  const unlocked = parseRoute(message(encodeRoute('add', { ...route, dst: null, mtu: 1400 })))!;
  t.match(unlocked, { mtu: 1400, mtuLock: false, realm: null, tos: 0 });
});

t.test('change, append; an IPv4 route via an IPv6 gateway is RTA_VIA, in next hops too', async (t) => {
  const fe80 = hex('fe800000000000000000000000000001');
  const change = hex(`
    4c000000 1800 0501 00000000 00000000  # len 76, RTM_NEWROUTE, REQUEST|ACK|REPLACE: no CREATE (ip route change)
    02 18 00 00 fe 03 00 01 00000000      # AF_INET /24
    0800 0f00 fe000000                    # RTA_TABLE 254
    0800 0100 c6336400                    # RTA_DST 198.51.100.0
    1600 1200 0a00 fe800000000000000000000000000001 0000 # RTA_VIA (22 bytes): struct rtvia { AF_INET6, fe80::1 } + pad
    0800 0400 03000000                    # RTA_OIF 3
  `);
  t.same(encodeRoute('change', { ...route, dst: { bytes: hex('c6336400'), prefixLength: 24 }, via: fe80, oif: 3 }), change);
  const r = parseRoute(message(change))!;
  t.match(r, { family: 4, to: '198.51.100.0/24', gateway: 'fe80::1', oif: 3 });
  t.equal(String(r), '198.51.100.0/24 via inet6 fe80::1 proto boot', 'as ip route prints it');

  const append = hex(`
    60000000 1800 050c 00000000 00000000  # len 96, RTM_NEWROUTE, REQUEST|ACK|CREATE|APPEND (ip route append)
    02 18 00 00 fe 03 00 01 00000000      # AF_INET /24
    0800 0f00 fe000000                    # RTA_TABLE 254
    0800 0100 c6336500                    # RTA_DST 198.51.101.0
    3400 0900                             # RTA_MULTIPATH (52 bytes)
      2000 00 00 03000000                 #   rtnexthop: len 32, weight 1, ifindex 3
      1600 1200 0a00 fe800000000000000000000000000001 0000 #   RTA_VIA inet6 fe80::1 + pad
      1000 00 00 02000000                 #   rtnexthop: len 16, weight 1, ifindex 2
      0800 0500 c6120001                  #     RTA_GATEWAY 198.18.0.1
  `);
  const nexthops = [{ via: fe80, oif: 3, weight: 1 }, { via: hex('c6120001'), oif: 2, weight: 1 }];
  t.same(encodeRoute('append', { ...route, dst: { bytes: hex('c6336500'), prefixLength: 24 }, nexthops }), append);
  const multi = parseRoute(message(append))!;
  t.match(multi.nexthops, [{ gateway: 'fe80::1', oif: 3 }, { gateway: '198.18.0.1', oif: 2 }]);
  t.match(String(multi), /nexthop via inet6 fe80::1 dev 3 weight 1 nexthop via 198\.18\.0\.1 dev 2 weight 1$/u);
});
