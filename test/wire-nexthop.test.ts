// Nexthop objects and routes using them, on the wire, both ways (and the parsers of this part fuzzed): requests byte for byte as
// iproute2 6.1 sends them (captured with strace, sequence numbers zeroed), replies as Linux 6.18
// sends them.
import t from 'tap';
import { parseAddrLabel } from '../dist/wire/addrlabel.js';
import { C } from '../dist/wire/constants.js';
import { eachMessage } from '../dist/wire/netlink.js';
import { encodeDelNexthop, encodeDumpNexthops, encodeGetNexthop, encodeNexthop, parseNexthop } from '../dist/wire/nexthop.js';
import { parseNsidEntry } from '../dist/wire/nsid.js';
import { encodeRoute, parseRoute } from '../dist/wire/route.js';
import { parseRule } from '../dist/wire/rule.js';
import { hex, message, reply, xorshift } from './wire';

t.test('ip nexthop add id 1 via 192.0.2.1 dev v0 (index 3)', async (t) => {
  t.same(encodeNexthop(false, { af: C.AF_INET, id: 1, protocol: 0, flags: 0, gateway: hex('c0000201'), oif: 3 }), hex(`
    30000000 6800 0506 00000000 00000000  # len 48, RTM_NEWNEXTHOP, REQUEST|ACK|EXCL|CREATE
    02 00 00 00 00000000                  # nhmsg: AF_INET, scope 0, protocol unspec, resvd, flags 0
    0800 0100 01000000                    # NHA_ID 1
    0800 0600 c0000201                    # NHA_GATEWAY 192.0.2.1
    0800 0500 03000000                    # NHA_OIF 3
  `));
  t.same(encodeNexthop(true, { af: C.AF_INET, id: 16, protocol: C.RTPROT_STATIC, flags: C.RTNH_F_ONLINK, gateway: hex('c0000203'), oif: 3 }), hex(`
    30000000 6800 0505 00000000 00000000  # RTM_NEWNEXTHOP, REQUEST|ACK|REPLACE|CREATE: ip nexthop replace
    02 00 04 00 04000000                  # AF_INET, protocol static, flags RTNH_F_ONLINK
    0800 0100 10000000                    # NHA_ID 16
    0800 0600 c0000203                    # NHA_GATEWAY 192.0.2.3
    0800 0500 03000000                    # NHA_OIF 3
  `), 'replace, proto static onlink');
  const echo = encodeNexthop(false, { af: C.AF_INET, protocol: 0, flags: 0, oif: 3 }, true);
  t.equal(echo.readUInt16LE(6), C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_EXCL | C.NLM_F_CREATE | C.NLM_F_ECHO, 'without an id: NLM_F_ECHO, to learn the one picked');
  t.same(echo.subarray(24), hex('0800 0500 03000000'), 'and no NHA_ID');
});

t.test('a blackhole, an fdb nexthop, a resilient group, as ip sends them', async (t) => {
  t.same(encodeNexthop(false, { af: C.AF_INET, id: 2, protocol: 0, flags: 0, blackhole: true }), hex(`
    24000000 6800 0506 00000000 00000000  # len 36: ip nexthop add id 2 blackhole
    02 00 00 00 00000000
    0800 0100 02000000                    # NHA_ID 2
    0400 0400                             # NHA_BLACKHOLE (a flag)
  `));
  t.same(encodeNexthop(false, { af: C.AF_INET, id: 13, protocol: 0, flags: 0, gateway: hex('c0000201'), fdb: true }), hex(`
    2c000000 6800 0506 00000000 00000000  # len 44: ip nexthop add id 13 via 192.0.2.1 fdb
    02 00 00 00 00000000
    0800 0100 0d000000                    # NHA_ID 13
    0800 0600 c0000201                    # NHA_GATEWAY
    0400 0b00                             # NHA_FDB
  `));
  const group = encodeNexthop(false, {
    af: C.AF_UNSPEC, id: 3, protocol: 0, flags: 0,
    group: [{ id: 1, weight: 1 }, { id: 2, weight: 3 }], groupType: C.NEXTHOP_GRP_TYPE_RES, resilient: { buckets: 8, idleTimer: 10 },
  });
  t.same(group, hex(`
    50000000 6800 0506 00000000 00000000  # len 80: ip nexthop add id 3 group 1/2,3 type resilient buckets 8 idle_timer 10
    00 00 00 00 00000000                  # AF_UNSPEC: a group
    0800 0100 03000000                    # NHA_ID 3
    1400 0200                             # NHA_GROUP: struct nexthop_grp[2]
      01000000 00 00 0000                 #   id 1, weight - 1 = 0, weight_high 0, resvd
      02000000 02 00 0000                 #   id 2, weight 3
    1400 0c80                             # NHA_RES_GROUP | NLA_F_NESTED
      0600 0100 0800 0000                 #   NHA_RES_GROUP_BUCKETS 8
      0800 0200 e8030000                  #   NHA_RES_GROUP_IDLE_TIMER 1000 (clock_t: 10 s)
    0600 0300 0100 0000                   # NHA_GROUP_TYPE NEXTHOP_GRP_TYPE_RES
  `));
  const heavy = encodeNexthop(false, { af: C.AF_UNSPEC, id: 4, protocol: 0, flags: 0, group: [{ id: 1, weight: 300 }] });
  t.same(heavy.subarray(36, 44), hex('01000000 2b 01 0000'), 'a weight of 300: 299 as weight 0x2b, weight_high 1 (Linux 6.12)');
});

t.test('ip nexthop del / get / show: the requests', async (t) => {
  t.same(encodeDelNexthop(3), hex(`
    20000000 6900 0500 00000000 00000000  # len 32, RTM_DELNEXTHOP, REQUEST|ACK
    00 00 00 00 00000000
    0800 0100 03000000                    # NHA_ID 3
  `));
  t.same(encodeGetNexthop(1), hex(`
    20000000 6a00 0500 00000000 00000000  # RTM_GETNEXTHOP, REQUEST|ACK (ip asks without ACK; the reply comes first either way)
    00 00 00 00 00000000
    0800 0100 01000000                    # NHA_ID 1
  `));
  t.same(encodeDumpNexthops({ af: C.AF_UNSPEC }), hex('18000000 6a00 0103 00000000 00000000  00 00 00 00 00000000  # ip nexthop show'));
  t.same(encodeDumpNexthops({ af: C.AF_INET6 }), hex('18000000 6a00 0103 00000000 00000000  0a 00 00 00 00000000  # ip -6 nexthop show'));
  t.same(encodeDumpNexthops({ af: C.AF_UNSPEC, oif: 3 }), hex('20000000 6a00 0103 00000000 00000000  00 00 00 00 00000000  0800 0500 03000000  # dev v0: NHA_OIF'));
  t.same(encodeDumpNexthops({ af: C.AF_UNSPEC, groups: true }), hex('1c000000 6a00 0103 00000000 00000000  00 00 00 00 00000000  0400 0900  # groups: NHA_GROUPS'));
});

t.test('nexthops as the kernel sends them', async (t) => {
  const single = parseNexthop(message(hex(`
    30000000 6800 0200 1aac0e6b 2c020000  # RTM_NEWNEXTHOP, NLM_F_MULTI (a dump)
    02 fd 00 00 00000000                  # AF_INET, scope link, protocol unspec
    0800 0100 01000000                    # NHA_ID 1
    0800 0500 03000000                    # NHA_OIF 3
    0800 0600 c0000201                    # NHA_GATEWAY 192.0.2.1
  `)))!;
  t.match(single, { id: 1, family: 4, gateway: '192.0.2.1', oif: 3, scope: 'link', protocol: 0, blackhole: false, group: [], groupType: null, resilient: null });
  const group = parseNexthop(message(hex(`
    6c000000 6800 0200 1aac0e6b 2c020000
    00 00 00 00 00000000                  # AF_UNSPEC
    0800 0100 0b000000                    # NHA_ID 11
    0600 0300 0100 0000                   # NHA_GROUP_TYPE resilient
    1400 0200 01000000 00000000 02000000 01000000  # NHA_GROUP 1, 2 (weight 2)
    2800 0c80                             # NHA_RES_GROUP
      0600 0100 1000 0000                 #   buckets 16
      0800 0200 f4010000                  #   idle_timer 500 (5 s)
      0800 0300 00000000                  #   unbalanced_timer 0
      0c00 0400 0000000000000000          #   unbalanced_time 0
    0800 0e00 00000080                    # type 14 (NHA_OP_FLAGS, Linux 6.10): kept
  `)))!;
  t.match(group, { id: 11, family: null, groupType: 'resilient', resilient: { buckets: 16, idleTimer: 5, unbalancedTimer: 0, unbalancedTime: 0 } });
  t.same(group.group, [{ id: 1, weight: 1 }, { id: 2, weight: 2 }]);
  t.same(group.attribute(14), hex('00000080'), 'an attribute not decoded is kept');
  t.equal(String(group), 'id 11 group 1/2,2 type resilient buckets 16 idle_timer 5 unbalanced_timer 0 unbalanced_time 0');
  const fdb = parseNexthop(message(hex(`
    2c000000 6800 0200 1aac0e6b 2c020000
    02 fd 00 00 00000000
    0800 0100 14000000                    # NHA_ID 20
    0400 0b00                             # NHA_FDB
    0800 0600 c0000207                    # NHA_GATEWAY 192.0.2.7
  `)))!;
  t.equal(String(fdb), 'id 20 via 192.0.2.7 scope link fdb', 'as ip nexthop show prints it');
  t.equal(parseNexthop(reply(C.RTM_NEWROUTE, hex('00 00 00 00 00000000'))), undefined, 'another message is none');
  t.equal(parseNexthop(reply(C.RTM_NEWNEXTHOP, hex('00 00 00 00'))), undefined, 'a short header is none');
});

t.test('a route by nexthop id: RTA_NH_ID both ways', async (t) => {
  const raw = encodeRoute('add', {
    af: C.AF_INET, dst: { bytes: hex('c6336400'), prefixLength: 24 }, table: C.RT_TABLE_MAIN, protocol: C.RTPROT_BOOT,
    scope: C.RT_SCOPE_UNIVERSE, type: C.RTN_UNICAST, onlink: false, nhid: 1,
  });
  t.same(raw, hex(`
    34000000 1800 0506 00000000 00000000  # len 52, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
    02 18 00 00 fe 03 00 01 00000000      # AF_INET, /24, table main, boot, universe, unicast
    0800 0f00 fe000000                    # RTA_TABLE main (ip leaves it out for main)
    0800 0100 c6336400                    # RTA_DST 198.51.100.0
    0800 1e00 01000000                    # RTA_NH_ID 1, as ip route add 198.51.100.0/24 nhid 1 sends it
  `));
  const back = parseRoute(reply(C.RTM_NEWROUTE, hex(`
    02 18 00 00 fe 03 00 01 00000000
    0800 0f00 fe000000                    # RTA_TABLE
    0800 0100 c6336400                    # RTA_DST
    0800 1e00 01000000                    # RTA_NH_ID 1
    0800 0500 c0000201                    # RTA_GATEWAY: the nexthop's, shown with it
    0800 0400 03000000                    # RTA_OIF 3
  `)))!;
  t.match(back, { to: '198.51.100.0/24', nhid: 1, gateway: '192.0.2.1', oif: 3 });
  t.match(String(back), /^198\.51\.100\.0\/24 nhid 1 via 192\.0\.2\.1/);
});

t.test('the new parsers never throw on truncated, bit-flipped or lying messages', async (t) => {
  const seeds = [
    encodeNexthop(false, { af: C.AF_UNSPEC, id: 3, protocol: 0, flags: 0, group: [{ id: 1, weight: 1 }, { id: 2, weight: 3 }], groupType: 1, resilient: { buckets: 8, idleTimer: 10 } }),
    encodeNexthop(false, { af: C.AF_INET6, id: 4, protocol: 0, flags: 0, gateway: Buffer.alloc(16, 1), oif: 2, fdb: true }),
  ].map((b) => {
    const out = Buffer.from(b);
    out.writeUInt16LE(C.RTM_NEWNEXTHOP, 4);
    return out;
  });
  const next = xorshift(0x5eed);
  let parsed = 0;
  for (let i = 0; i < 20000; i++) {
    const b = Buffer.from(seeds[i % seeds.length]!);
    for (let j = next() % 6; j >= 0; j--) b[next() % b.length]! ^= 1 << (next() % 8);
    const cut = b.subarray(0, next() % (b.length + 1));
    // As every reply type the new parsers read.
    for (const type of [C.RTM_NEWNEXTHOP, C.RTM_NEWADDRLABEL, C.RTM_NEWNSID, C.RTM_NEWRULE]) {
      if (cut.length >= 6) cut.writeUInt16LE(type, 4);
      eachMessage(cut, (m) => {
        parseNexthop(m);
        parseAddrLabel(m);
        parseNsidEntry(m);
        parseRule(m);
        parsed++;
      });
    }
  }
  t.ok(parsed > 1000, `${parsed} broken messages read without a throw`);
});
