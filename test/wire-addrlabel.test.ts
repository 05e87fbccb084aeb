// IPv6 address labels on the wire, both ways: requests as iproute2 6.1 sends them (strace,
// sequence numbers zeroed), replies as the kernel sends them.
import t from 'tap';
import { encodeAddrLabel, encodeDumpAddrLabels, parseAddrLabel } from '../dist/wire/addrlabel.js';
import { C } from '../dist/wire/constants.js';
import { hex, reply } from './wire';

const prefix = hex('20010db8 00000000 00000000 00000000');

t.test('ip addrlabel add|del prefix 2001:db8::/32 dev v0 (index 3) label 99', async (t) => {
  t.same(encodeAddrLabel('add', { address: prefix, prefixLength: 32, index: 3, label: 99 }), hex(`
    38000000 4800 0506 00000000 00000000  # len 56, RTM_NEWADDRLABEL, REQUEST|ACK|EXCL|CREATE
    0a 00 20 00 03000000 00000000         # ifaddrlblmsg: AF_INET6, reserved, /32, flags 0, index 3, seq 0
    0800 0200 63000000                    # IFAL_LABEL 99
    1400 0100 20010db8000000000000000000000000  # IFAL_ADDRESS 2001:db8::
  `));
  t.same(encodeAddrLabel('delete', { address: prefix, prefixLength: 32, index: 3, label: 99 }), hex(`
    38000000 4900 0500 00000000 00000000  # RTM_DELADDRLABEL, REQUEST|ACK
    0a 00 20 00 03000000 00000000
    0800 0200 63000000
    1400 0100 20010db8000000000000000000000000
  `));
  t.equal(encodeAddrLabel('replace', { address: prefix, prefixLength: 32, index: 0, label: 1 }).readUInt16LE(6), C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE, 'replace: NLM_F_REPLACE');
  t.same(encodeDumpAddrLabels(), hex('1c000000 4a00 0103 00000000 00000000  0a 00 00 00 00000000 00000000  # ip addrlabel list'));
});

t.test('a label as the kernel sends it', async (t) => {
  const l = parseAddrLabel(reply(C.RTM_NEWADDRLABEL, hex(`
    0a 00 20 00 03000000 07000000         # AF_INET6, /32, index 3, seq 7
    1400 0100 20010db8000000000000000000000000  # IFAL_ADDRESS
    0800 0200 63000000                    # IFAL_LABEL 99
  `)))!;
  t.match(l, { prefix: '2001:db8::/32', address: '2001:db8::', prefixLength: 32, index: 3, label: 99, dev: null });
  l.dev = 'v0';
  t.equal(String(l), 'prefix 2001:db8::/32 dev v0 label 99', 'as ip addrlabel list prints it');
  const all = parseAddrLabel(reply(C.RTM_NEWADDRLABEL, hex('0a 00 60 00 00000000 00000000  1400 0100 00000000000000000000ffff00000000  0800 0200 04000000')))!;
  t.equal(String(all), 'prefix ::ffff:0.0.0.0/96 label 4', 'a label for every interface');
  t.equal(parseAddrLabel(reply(C.RTM_NEWADDRLABEL, hex('02 00 18 00 00000000 00000000'))), undefined, 'not IPv6: none');
});
