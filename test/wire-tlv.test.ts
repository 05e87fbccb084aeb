// The TLV layer, the framing of replies, and IP text: pure, no root, no addon.
import t from 'tap';
import { MessageWriter } from '../dist/wire/attr.js';
import { C } from '../dist/wire/constants.js';
import { isIPv4, isIPv6 } from 'node:net';
import { broadcastOf, formatAddress, parseIp, parsePrefix } from '../dist/wire/ip.js';
import { readAck, readDone } from '../dist/wire/netlink.js';
import { hex, reply, xorshift } from './wire';

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

t.test('MessageWriter: messages carved from shared slabs stay apart, whatever their order and growth', async (t) => {
  // Writers alive at once, written in turns, some growing past their room (in place when last
  // carved, into a buffer of their own otherwise), across many slabs: each message must hold
  // exactly its own bytes, as a writer of its own would make it.
  const next = xorshift(0x5ab);
  const expected = (id: number, n: number): Buffer => {
    const payload = Buffer.alloc(n * 8);
    for (let k = 0; k < n; k++) {
      payload.writeUInt16LE(8, 8 * k);
      payload.writeUInt16LE(7, 8 * k + 2);
      payload.writeUInt32LE(id * 1000 + k, 8 * k + 4);
    }
    const header = hex('00000000 0100 0000 00000000 00000000');
    header.writeUInt32LE(16 + n * 8, 0);
    return Buffer.concat([header, payload]);
  };
  let bad = 0;
  let made = 0;
  for (let round = 0; round < 300; round++) {
    const live = Array.from({ length: 1 + (next() % 5) }, (_, i) => ({ id: round * 10 + i, w: new MessageWriter(1, 0, [8, 32, 256, 2176, 9000][next() % 5]), n: 0, want: 1 + (next() % 300) }));
    while (live.some((m) => m.n < m.want)) {
      const m = live[next() % live.length]!;
      if (m.n < m.want) m.w.putU32(7, m.id * 1000 + m.n++);
    }
    const out = live.map((m) => m.w.finish());
    // Written after all were finished: a later message must not overwrite an earlier one.
    live.forEach((m, i) => {
      made++;
      if (!out[i]!.equals(expected(m.id, m.n))) bad++;
    });
  }
  t.equal(bad, 0, `${made} messages, each with exactly its own bytes`);
});

t.test('ACKs: success, an error with the kernel\'s text, a failed dump, a truncated one', async (t) => {
  t.equal(readAck(reply(C.NLMSG_ERROR, hex('00000000 14000000 1000 0500 01000000 00000000'))), null, 'error 0 is an ACK');
  const text = Buffer.from('Invalid prefix for given prefix length\0');
  const tlv = Buffer.alloc(4 + 40);
  tlv.writeUInt16LE(4 + text.length, 0);
  tlv.writeUInt16LE(C.NLMSGERR_ATTR_MSG, 2);
  text.copy(tlv, 4);
  const err = Buffer.concat([hex('eaffffff  # -EINVAL'), hex('14000000 1400 0500 01000000 00000000  # the request header, capped'), tlv]);
  t.same(readAck({ ...reply(C.NLMSG_ERROR, err), flags: C.NLM_F_CAPPED | C.NLM_F_ACK_TLVS }), { errno: 22, message: 'Invalid prefix for given prefix length' });
  t.same(readAck(reply(C.NLMSG_ERROR, hex('ff'))), { errno: 71, message: 'truncated NLMSG_ERROR' }, 'EPROTO');
  t.same(readDone(reply(C.NLMSG_DONE, hex('f0ffffff'))), { errno: 16, message: null }, 'a dump that failed part way: -EBUSY');
  t.equal(readDone(reply(C.NLMSG_DONE, hex('00000000'))), null);
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
  t.equal(parsePrefix('203.0.113.9/0').prefixLength, 0);
  t.equal(parsePrefix('2001:db8::1').prefixLength, 128, 'a bare address is a host prefix');
  t.same(broadcastOf(parsePrefix('198.18.0.1/15').bytes, 15), hex('c613ffff'));
  t.throws(() => parsePrefix('10.0.0.1/33'), RangeError);
  t.throws(() => parsePrefix('2001:db8::1/129'), RangeError);
  for (const bad of ['10.0.0.256/24', '10.0.0/24', '10.0.0.1/', '10.0.0.1/2a', '2001:db8:::1/64', '', 42]) {
    t.throws(() => parsePrefix(bad), TypeError, String(bad));
  }
  t.throws(() => parsePrefix('fe80::1%eth0/64'), { name: 'TypeError', message: /zone id: give "fe80::1" and name the interface \("eth0"\) as dev/ });
  t.throws(() => parsePrefix('10.0.0.0/010'), { name: 'TypeError', message: /leading zero, which ip reads as octal; write 10/ }, '/010 is 8 to ip');
  t.throws(() => parsePrefix('10.0.0.0/08'), { name: 'TypeError', message: /leading zero/ });
});

t.test("the fast dotted-quad path accepts exactly what node's isIPv4 does, with the same bytes and prefix", async (t) => {
  // Near-misses of dotted quads and prefixes, at random: digits, dots, slashes, a few others.
  const next = xorshift(0x1b5a);
  const part = (): string => {
    const r = next() % 20;
    if (r === 0) return '';
    if (r === 1) return 'x';
    const n = String(next() % 300);
    return r === 2 ? `0${n}` : n;
  };
  let checked = 0;
  let bad = 0;
  for (let n = 0; n < 20000; n++) {
    const count = next() % 10 === 0 ? 3 + (next() % 3) : 4;
    let s = Array.from({ length: count }, part).join(next() % 30 === 0 ? '..' : '.');
    const r = next() % 10;
    if (r < 7) s += `/${r === 0 ? `0${next() % 40}` : r === 1 ? 'x' : String(next() % 40)}`;
    else if (r === 7) s += '/';
    const slash = s.indexOf('/');
    const addr = slash < 0 ? s : s.slice(0, slash);
    const p = s.slice(slash + 1);
    const expected = isIPv4(addr) && (slash < 0 || (/^\d{1,3}$/u.test(p) && !(p.length > 1 && p[0] === '0') && Number(p) <= 32));
    let got: ReturnType<typeof parsePrefix> | null = null;
    try {
      got = parsePrefix(s);
    } catch {
      got = null;
    }
    const ok = expected ? got !== null && got.family === 4 && got.bytes.equals(Buffer.from(addr.split('.').map(Number))) && got.prefixLength === (slash < 0 ? 32 : Number(p)) && got.text === s : got === null || got.family === 6;
    if (!ok) bad++;
    if (expected) checked++;
  }
  t.equal(bad, 0, `20,000 strings, ${checked} of them addresses: parsePrefix agrees with isIPv4 on every one`);
  t.same(parseIp('0.0.0.0'), { family: 4, bytes: Buffer.from([0, 0, 0, 0]), text: '0.0.0.0' });

  // IPv6 is read in one pass, without node's isIPv6: it must take exactly what isIPv6 takes,
  // with the bytes that splitting at '::' and ':' (the parser it replaced) gives.
  const splitV6 = (text: string): Buffer => {
    const out = Buffer.alloc(16);
    let tail: Buffer | null = null;
    const last = text.lastIndexOf(':');
    if (text.includes('.', last)) {
      tail = Buffer.from(text.slice(last + 1).split('.').map(Number));
      text = `${text.slice(0, last + 1)}0:0`;
    }
    const [head, rest] = text.split('::') as [string, string | undefined];
    const groups = (g: string): number[] => (g === '' ? [] : g.split(':').map((x) => parseInt(x, 16)));
    const left = groups(head);
    const right = rest === undefined ? [] : groups(rest);
    const all = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
    all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
    if (tail) tail.copy(out, 12);
    return out;
  };
  const hexes = '0123456789abcdefABCDEF';
  const group = (): string => {
    const r = next() % 40;
    if (r === 0) return '';
    if (r === 1) return 'g';
    if (r === 2) return `${next() % 256}.${next() % 256}.${next() % 300}.${next() % 256}`;
    return Array.from({ length: 1 + (next() % (r === 3 ? 6 : 4)) }, () => hexes[next() % hexes.length]).join('');
  };
  const edges = ['::', '::1', '1::', ':::', '1:::2', ':1', '1:', '1::2::3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7:8:9',
    '::ffff:192.0.2.1', '::192.0.2.1', '1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5::192.0.2.1', '1:2:3:4:5:6::192.0.2.1', '1:2:3:4:5:6:7:192.0.2.1', '::01.2.3.4', '::1.2.3', '::1.2.3.4:5',
    'fffff::', '0000:0000:0000:0000:0000:0000:0000:0001', 'FFFF::', ' ::1', '::1 ', '2001:db8::1/64', '::%eth0', '1.2.3.4', ''];
  let checked6 = 0;
  let bad6 = 0;
  const samples = [...edges];
  for (let n = 0; n < 30000; n++) {
    const count = 1 + (next() % 9);
    let str = '';
    for (let g = 0; g < count; g++) str += (g === 0 ? '' : next() % 8 === 0 ? '::' : next() % 60 === 0 ? ':::' : ':') + group();
    samples.push(next() % 10 === 0 ? `::${str}` : next() % 12 === 0 ? `${str}::` : str);
  }
  for (const str of samples) {
    let got: ReturnType<typeof parseIp> | null = null;
    try {
      got = parseIp(str);
    } catch {
      got = null;
    }
    const expected = isIPv6(str) && !str.includes('%');
    const ok = expected ? got !== null && got.family === 6 && got.bytes.equals(splitV6(str)) && got.text === str : got === null || got.family === 4;
    if (!ok) {
      bad6++;
      t.comment(`disagrees with isIPv6 on ${JSON.stringify(str)}`);
    }
    if (expected) checked6++;
  }
  t.equal(bad6, 0, `${samples.length} strings, ${checked6} of them IPv6 addresses: parseIp agrees with isIPv6 and the bytes on every one`);
  t.ok(checked6 > 3000, `enough of them are addresses (${checked6})`);
  for (const badIp of ['01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.4 ', ' 1.2.3.4']) t.throws(() => parseIp(badIp), TypeError, badIp);
});
