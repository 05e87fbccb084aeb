// Rules and neighbours on the wire, both ways.
import t from 'tap';
import { C } from '../dist/wire/constants.js';
import { encodeDelNeighbor, encodeNewNeighbor, parseNeighbor } from '../dist/wire/neighbor.js';
import { encodeGetNsid, parseNsid } from '../dist/wire/nsid.js';
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
