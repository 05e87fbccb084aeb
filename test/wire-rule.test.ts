// Rules, neighbours and namespace ids on the wire, both ways.
import t from 'tap';
import { C } from '../dist/wire/constants.js';
import { encodeDelNeighbor, encodeDumpNeighbors, encodeNewNeighbor, parseNeighbor } from '../dist/wire/neighbor.js';
import { encodeDumpNsids, encodeGetNsid, encodeSetNsid, NSID_AUTO, parseNsid, parseNsidEntry } from '../dist/wire/nsid.js';
import { encodeRule, parseRule } from '../dist/wire/rule.js';
import { hex, message, reply } from './wire';

t.test('a rule: fib_rule_hdr with FRA_TABLE, FRA_PRIORITY and FRA_SRC', async (t) => {
  const raw = hex(`
    34000000 2000 0506 00000000 00000000  # len 52, RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
    02 00 18 00 64 00 00 01 00000000      # AF_INET, dst 0, src /24, tos 0, table 100, res, res, FR_ACT_TO_TBL, flags 0
    0800 0f00 64000000                    # FRA_TABLE 100
    0800 0600 e8030000                    # FRA_PRIORITY 1000
    0800 0200 c0000200                    # FRA_SRC 192.0.2.0
  `);
  t.same(encodeRule(true, { af: C.AF_INET, action: C.FR_ACT_TO_TBL, from: { bytes: hex('c0000200'), prefixLength: 24 }, table: 100, priority: 1000 }), raw);
  t.match(parseRule(message(raw)), { family: 4, from: '192.0.2.0/24', to: 'all', table: 100, priority: 1000, action: 'table' });
  const fw = encodeRule(false, { af: C.AF_INET6, action: 0, fwmark: 1, fwmask: 0xff, iif: 'eth0' });
  t.same(fw, hex(`
    38000000 2100 0500 00000000 00000000  # len 56, RTM_DELRULE, REQUEST|ACK
    0a 00 00 00 00 00 00 00 00000000      # AF_INET6, any action
    0900 0300 65746830 00 000000          # FRA_IIFNAME "eth0"
    0800 0a00 01000000                    # FRA_FWMARK 1
    0800 1000 ff000000                    # FRA_FWMASK 0xff
  `));
  const kept = hex('02 00 00 00 fe 00 00 01 00000000  0800 0600 00800000  0800 1500 01000000 # FRA_PRIORITY 32768, FRA_L3MDEV');
  const r = parseRule(reply(C.RTM_NEWRULE, kept))!;
  t.match(r, { priority: 32768, table: 'main' });
  t.same(r.attribute(21), hex('01000000'), 'an attribute not decoded is kept');
});

t.test('a neighbour: ndmsg, NDA_DST, NDA_LLADDR', async (t) => {
  const raw = hex(`
    30000000 1c00 0506 00000000 00000000  # len 48, RTM_NEWNEIGH, REQUEST|ACK|EXCL|CREATE
    02 00 0000 05000000 8000 80 00        # ndmsg: AF_INET, index 5, NUD_PERMANENT, NTF_ROUTER
    0800 0100 c0000202                    # NDA_DST 192.0.2.2
    0a00 0200 ffffffffffff 0000           # NDA_LLADDR ff:ff:ff:ff:ff:ff: any six octets, as ip neigh takes
  `);
  t.same(encodeNewNeighbor({ af: C.AF_INET, index: 5, dst: hex('c0000202'), lladdr: hex('ffffffffffff'), state: C.NUD_PERMANENT, flags: C.NTF_ROUTER }, false), raw);
  t.match(parseNeighbor(message(raw)), { family: 4, address: '192.0.2.2', lladdr: 'ff:ff:ff:ff:ff:ff', index: 5, state: ['PERMANENT'], router: true });
  t.same(encodeDelNeighbor({ af: C.AF_INET, index: 5, dst: hex('c0000202') }), hex(`
    24000000 1d00 0500 00000000 00000000  # len 36, RTM_DELNEIGH, REQUEST|ACK
    02 00 0000 05000000 0000 00 00
    0800 0100 c0000202                    # NDA_DST
  `));
});

t.test('a namespace id: RTM_GETNSID by descriptor, RTM_NEWNSID read back', async (t) => {
  t.same(encodeGetNsid(9), hex(`
    1c000000 5a00 0500 00000000 00000000  # len 28, RTM_GETNSID, REQUEST|ACK
    00 00 0000                            # rtgenmsg AF_UNSPEC, padded
    0800 0300 09000000                    # NETNSA_FD 9
  `));
  t.equal(parseNsid(reply(C.RTM_NEWNSID, hex('00 00 0000 0800 0100 02000000  # NETNSA_NSID 2'))), 2);
  t.equal(parseNsid(reply(C.RTM_NEWNSID, hex('00 00 0000 0800 0100 ffffffff  # not assigned'))), -1);
});

/** A message's fixed header, and its attributes each as hex, sorted: requests compared with ip's whatever their order. */
function shape(buf: Buffer, headerLen: number): { header: string; attrs: string[] } {
  const attrs: string[] = [];
  for (let at = 16 + headerLen; at + 4 <= buf.length; ) {
    const len = buf.readUInt16LE(at);
    attrs.push(buf.subarray(at, at + len).toString('hex'));
    at += (len + 3) & ~3;
  }
  return { header: buf.subarray(4, 16 + headerLen).toString('hex'), attrs: attrs.sort() };
}

t.test('a rule with every selector: what ip rule add sends, and the kernel\'s reply read back', async (t) => {
  // ip rule add not from 10.0.0.0/8 tos 0x10 ipproto tcp sport 1000-2000 dport 80 uidrange 100-200
  //   suppress_prefixlength 0 lookup 100 pref 5 (iproute2 6.1, captured with strace)
  const ip = hex(`
    58000000 2000 0506 00000000 00000000  # len 88, RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
    02 00 08 10 64 00 00 01 02000000      # AF_INET, dst 0, src /8, tos 0x10, table 100, FR_ACT_TO_TBL, FIB_RULE_INVERT
    0800 0200 0a000000                    # FRA_SRC 10.0.0.0
    0500 1600 06 000000                   # FRA_IP_PROTO tcp
    0800 1700 e803 d007                   # FRA_SPORT_RANGE 1000-2000 (struct fib_rule_port_range)
    0800 1800 5000 5000                   # FRA_DPORT_RANGE 80-80
    0c00 1400 64000000 c8000000           # FRA_UID_RANGE 100-200 (struct fib_rule_uid_range)
    0800 0e00 00000000                    # FRA_SUPPRESS_PREFIXLEN 0
    0800 0600 05000000                    # FRA_PRIORITY 5
  `);
  const ours = encodeRule(true, {
    af: C.AF_INET, action: C.FR_ACT_TO_TBL, invert: true, from: { bytes: hex('0a000000'), prefixLength: 8 }, tos: 0x10, table: 100, priority: 5,
    ipProto: 6, sport: { start: 1000, end: 2000 }, dport: { start: 80, end: 80 }, uidRange: { start: 100, end: 200 }, suppressPrefixLength: 0,
  });
  const mine = shape(ours, 12);
  const theirs = shape(ip, 12);
  t.equal(mine.header.slice(8), theirs.header.slice(8), 'the same header (but the length)');
  t.same(mine.attrs, [...theirs.attrs, '08000f0064000000'].sort(), "ip's attributes, and FRA_TABLE 100, which ip leaves in the header alone");

  const goto = shape(encodeRule(true, { af: C.AF_INET, action: C.FR_ACT_GOTO, goto: 5, priority: 3 }), 12);
  t.same(goto, shape(hex(`
    2c000000 2000 0506 00000000 00000000  # ip rule add goto 5 pref 3
    02 00 00 00 00 00 00 02 00000000      # FR_ACT_GOTO
    0800 0400 05000000                    # FRA_GOTO 5
    0800 0600 03000000                    # FRA_PRIORITY 3
  `), 12), 'goto as ip sends it');
  const more = encodeRule(true, { af: C.AF_INET, action: C.FR_ACT_TO_TBL, l3mdev: true, suppressIfgroup: 3, flow: (3 << 16) | 4, protocol: C.RTPROT_STATIC });
  t.same(more.subarray(28), hex(`
    0500 1300 01 000000                   # FRA_L3MDEV 1
    0800 0d00 03000000                    # FRA_SUPPRESS_IFGROUP 3
    0800 0b00 04000300                    # FRA_FLOW: realms 3/4
    0500 1500 04 000000                   # FRA_PROTOCOL static
  `));

  const back = parseRule(message(hex(`
    80000000 2000 0200 4fac0e6b fd0a0000  # RTM_NEWRULE from a dump (Linux 6.18)
    02 00 08 10 64 00 00 01 02000000      # src /8, tos 0x10, table 100, FR_ACT_TO_TBL, FIB_RULE_INVERT
    0800 0f00 64000000                    # FRA_TABLE 100
    0800 0e00 00000000                    # FRA_SUPPRESS_PREFIXLEN 0
    0500 1500 04 000000                   # FRA_PROTOCOL static
    0700 0300 7630 00 00                  # FRA_IIFNAME "v0"
    0800 0600 05000000                    # FRA_PRIORITY 5
    0c00 1400 64000000 c8000000           # FRA_UID_RANGE 100-200
    0800 1700 e803 d007                   # FRA_SPORT_RANGE 1000-2000
    0800 1800 5000 5000                   # FRA_DPORT_RANGE 80
    0600 1d00 ffff 0000                   # type 29 (FRA_DPORT_MASK, Linux 6.15): kept
    0500 1600 06 000000                   # FRA_IP_PROTO tcp
    0800 0200 0a000000                    # FRA_SRC 10.0.0.0
    0800 0b00 04000300                    # FRA_FLOW 3/4
  `)))!;
  t.match(back, {
    priority: 5, invert: true, from: '10.0.0.0/8', tos: 0x10, iif: 'v0', table: 100, action: 'table', protocol: 'static', ipProto: 'tcp',
    sport: { start: 1000, end: 2000 }, dport: { start: 80, end: 80 }, uidRange: { start: 100, end: 200 }, suppressPrefixLength: 0, suppressIfgroup: null,
    realm: 4, sourceRealm: 3, l3mdev: false, goto: null,
  });
  t.same(back.attribute(29), hex('ffff'), 'an attribute not decoded is kept');
  t.equal(String(back), '5:\tnot from 10.0.0.0/8 tos 0x10 iif v0 uidrange 100-200 ipproto tcp sport 1000-2000 dport 80 lookup 100 suppress_prefixlength 0 realms 3/4 proto static', 'as ip rule show prints it');
  const unresolved = parseRule(message(hex(`
    44000000 2000 0200 4fac0e6b fd0a0000
    02 00 00 00 00 00 00 02 04000000      # FR_ACT_GOTO, FIB_RULE_UNRESOLVED
    0800 0f00 00000000                    # FRA_TABLE 0
    0800 0e00 ffffffff                    # FRA_SUPPRESS_PREFIXLEN -1: none
    0500 1500 00 000000                   # FRA_PROTOCOL unspec
    0800 0600 3a000000                    # FRA_PRIORITY 58
    0800 0400 88130000                    # FRA_GOTO 5000
  `)))!;
  t.match(unresolved, { priority: 58, action: 'goto', goto: 5000, unresolved: true, table: null, suppressPrefixLength: null, protocol: 0 });
  t.equal(String(unresolved), '58:\tfrom all goto 5000 [unresolved]');
});

t.test('a proxy neighbour: NTF_PROXY and no lladdr, as ip neigh add|del|show proxy sends them', async (t) => {
  t.same(encodeNewNeighbor({ af: C.AF_INET, index: 3, dst: hex('c0000237'), state: C.NUD_PERMANENT, flags: C.NTF_PROXY }, false), hex(`
    24000000 1c00 0506 00000000 00000000  # len 36, RTM_NEWNEIGH, REQUEST|ACK|EXCL|CREATE
    02 00 0000 03000000 8000 08 00        # AF_INET, index 3, NUD_PERMANENT, NTF_PROXY
    0800 0100 c0000237                    # NDA_DST 192.0.2.55
  `));
  t.same(encodeDelNeighbor({ af: C.AF_INET, index: 3, dst: hex('c0000237'), state: C.NUD_PERMANENT, flags: C.NTF_PROXY }), hex(`
    24000000 1d00 0500 00000000 00000000  # RTM_DELNEIGH, REQUEST|ACK
    02 00 0000 03000000 8000 08 00        # NTF_PROXY (ip sends NUD_PERMANENT along)
    0800 0100 c0000237
  `));
  t.same(encodeDumpNeighbors(C.AF_UNSPEC, true), hex('1c000000 1e00 0103 00000000 00000000  00 00 0000 00000000 0000 08 00  # ip neigh show proxy'));
  const p = parseNeighbor(reply(C.RTM_NEWNEIGH, hex('0a 00 0000 03000000 0000 88 00  1400 0100 20010db8000000000000000000000060  # a proxy entry, NTF_PROXY|NTF_ROUTER, no state')))!;
  t.match(p, { family: 6, address: '2001:db8::60', index: 3, proxy: true, router: true, lladdr: null, state: [] });
  p.dev = 'v0';
  t.equal(String(p), '2001:db8::60 dev v0 router proxy', 'as ip neigh show proxy prints it');
});

t.test('namespace ids: RTM_NEWNSID as ip netns set sends it, the RTM_GETNSID dump and its replies', async (t) => {
  t.same(encodeSetNsid(6, 7), hex(`
    24000000 5800 0500 00000000 00000000  # len 36, RTM_NEWNSID, REQUEST|ACK: ip netns set x 7
    00 00 0000                            # rtgenmsg AF_UNSPEC, padded
    0800 0300 06000000                    # NETNSA_FD 6
    0800 0100 07000000                    # NETNSA_NSID 7
  `));
  t.same(encodeSetNsid(6, NSID_AUTO).subarray(28), hex('0800 0100 ffffffff  # ip netns set x auto: NETNSA_NSID -1'));
  t.same(encodeDumpNsids(), hex('14000000 5a00 0103 00000000 00000000  00 00 0000  # ip netns list-id'));
  const n = parseNsidEntry(reply(C.RTM_NEWNSID, hex('00 00 0000  0800 0100 07000000  # NETNSA_NSID 7')))!;
  t.match(n, { nsid: 7, netns: null });
  t.equal(String(n), 'nsid 7');
  n.netns = 'x';
  t.equal(String(n), 'nsid 7 (iproute2 netns name: x)', 'as ip netns list-id prints it');
  t.equal(parseNsidEntry(reply(C.RTM_NEWNSID, hex('00 00 0000'))), undefined, 'no id, no entry');
});
