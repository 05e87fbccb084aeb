// Addresses on the wire, both ways: RTM_NEWADDR as sent, and the same bytes parsed back.
import t from 'tap';
import { ADDRESS_PROTOCOLS, encodeDelAddress, encodeDumpAddresses, encodeNewAddress, parseAddress } from '../dist/wire/address.js';
import { C } from '../dist/wire/constants.js';
import { hex, message, reply } from './wire';

t.test('IPv4 with a computed broadcast', async (t) => {
  const raw = hex(`
    30000000 1400 0506 00000000 00000000  # len 48, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
    02 18 00 00 05000000                  # ifaddrmsg: AF_INET, /24, flags 0, scope global, index 5
    0800 0200 c0000201                    # IFA_LOCAL 192.0.2.1
    0800 0100 c0000201                    # IFA_ADDRESS 192.0.2.1
    0800 0400 c00002ff                    # IFA_BROADCAST 192.0.2.255
  `);
  t.same(encodeNewAddress({ af: C.AF_INET, prefixLength: 24, index: 5, local: hex('c0000201'), broadcast: hex('c00002ff') }, false), raw);
  t.match(parseAddress(message(raw)), { family: 4, address: '192.0.2.1', prefixLength: 24, index: 5, broadcast: '192.0.2.255', scope: 'global', peer: null, cidr: '192.0.2.1/24' });
});

t.test('IPv6 replaced, without DAD, with lifetimes', async (t) => {
  const raw = hex(`
    54000000 1400 0505 00000000 00000000  # len 84, RTM_NEWADDR, REQUEST|ACK|REPLACE|CREATE
    0a 40 02 00 05000000                  # AF_INET6, /64, IFA_F_NODAD, scope global, index 5
    1400 0200 20010db8000000000000000000000001  # IFA_LOCAL
    1400 0100 20010db8000000000000000000000001  # IFA_ADDRESS
    1400 0600 2c010000 58020000 00000000 00000000 # IFA_CACHEINFO: preferred 300, valid 600
  `);
  const local = hex('20010db8000000000000000000000001');
  t.same(encodeNewAddress({ af: C.AF_INET6, prefixLength: 64, index: 5, local, flags: C.IFA_F_NODAD, lifetimes: [300, 600] }, true), raw);
  t.match(parseAddress(message(raw)), { family: 6, address: '2001:db8::1', prefixLength: 64, preferredLifetime: 300, validLifetime: 600, flagNames: ['nodad'] });
});

t.test('flags above the first byte go in IFA_FLAGS', async (t) => {
  const raw = encodeNewAddress({ af: C.AF_INET, prefixLength: 24, index: 5, local: hex('c0000201'), flags: C.IFA_F_NOPREFIXROUTE }, false);
  t.same(raw.subarray(-8), hex('0800 0800 00020000  # IFA_FLAGS IFA_F_NOPREFIXROUTE'));
  t.same(parseAddress(message(raw))!.flagNames, ['noprefixroute']);
});

t.test('delete and dump', async (t) => {
  t.same(encodeDelAddress({ af: C.AF_INET, prefixLength: 24, index: 5, local: hex('c0000201') }), hex(`
    28000000 1500 0500 00000000 00000000  # len 40, RTM_DELADDR, REQUEST|ACK
    02 18 00 00 05000000                  # AF_INET /24, index 5
    0800 0200 c0000201                    # IFA_LOCAL
    0800 0100 c0000201                    # IFA_ADDRESS
  `));
  t.same(encodeDumpAddresses(C.AF_INET6, 3), hex(`
    18000000 1600 0103 00000000 00000000  # len 24, RTM_GETADDR, REQUEST|DUMP
    0a 00 00 00 03000000                  # AF_INET6, index 3: the kernel filters (strict checking)
  `));
});

t.test('an RTM_NEWADDR reply: forever, flags, unknown attributes kept', async (t) => {
  const msg = hex(`
    0a 40 80 00 03000000                  # AF_INET6, /64, IFA_F_PERMANENT, scope global, index 3
    1400 0100 20010db8000000000000000000000001  # IFA_ADDRESS 2001:db8::1
    1400 0600 ffffffff ffffffff 00000000 00000000 # IFA_CACHEINFO forever
    0800 0800 82000000                    # IFA_FLAGS PERMANENT|NODAD
    0500 0b00 02 000000                   # IFA_PROTO 2: kernel_ra
    0800 ff3f 2a000000                    # an attribute this library does not know: kept
  `);
  const a = parseAddress(reply(C.RTM_NEWADDR, msg))!;
  t.match(a, { family: 6, address: '2001:db8::1', prefixLength: 64, index: 3, scope: 'global', validLifetime: Infinity, peer: null, permanent: true, protocol: 'kernel_ra' });
  t.same(a.flagNames, ['nodad', 'permanent']);
  t.same(a.attribute(C.IFA_PROTO), hex('02'), 'IFA_PROTO read through attribute() too');
  t.same(a.attribute(0x3fff), hex('2a000000'));
});

t.test('a point-to-point address: IFA_LOCAL, the peer in IFA_ADDRESS with its prefix; IFA_PROTO', async (t) => {
  const raw = hex(`
    30000000 1400 0506 00000000 00000000  # len 48, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
    02 20 00 00 05000000                  # AF_INET, /32 (the peer's prefix), index 5
    0800 0200 0a000001                    # IFA_LOCAL 10.0.0.1
    0800 0100 0a000002                    # IFA_ADDRESS 10.0.0.2: the peer
    0500 0b00 2a 000000                   # IFA_PROTO 42
  `);
  t.same(encodeNewAddress({ af: C.AF_INET, prefixLength: 32, index: 5, local: hex('0a000001'), peer: hex('0a000002'), protocol: 42 }, false), raw);
  const a = parseAddress(message(raw))!;
  t.match(a, { address: '10.0.0.1', peer: '10.0.0.2', prefixLength: 32, protocol: 42 });
  t.equal(String(a), '10.0.0.1 peer 10.0.0.2/32 dev 5 scope global', 'as ip addr prints it');
  t.same(encodeDelAddress({ af: C.AF_INET, prefixLength: 32, index: 5, local: hex('0a000001'), peer: hex('0a000002') }), hex(`
    28000000 1500 0500 00000000 00000000  # len 40, RTM_DELADDR, REQUEST|ACK
    02 20 00 00 05000000                  # AF_INET /32, index 5
    0800 0200 0a000001                    # IFA_LOCAL
    0800 0100 0a000002                    # IFA_ADDRESS the peer: IPv4 matches the address by it
  `));
  t.same(ADDRESS_PROTOCOLS, { kernel_lo: 1, kernel_ra: 2, kernel_ll: 3 }, 'IFAPROT_*, linux/if_addr.h');
  t.equal(parseAddress(message(encodeNewAddress({ af: C.AF_INET, prefixLength: 24, index: 5, local: hex('c0000201') }, false)))!.protocol, null, 'none said: null');
});
