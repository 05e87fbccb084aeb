// Property-based fuzzing of the reply parsers: random, truncated, oversized and bit-flipped
// messages (seeded, so a failure repeats) must never throw, hang or read past the message.
// `npm test` runs a short seeded pass; `npm run fuzz` runs FUZZ_ITERATIONS (default 200,000).
import t from 'tap';
import { parseAddress } from '../dist/wire/address.js';
import { eachAttr, MessageWriter } from '../dist/wire/attr.js';
import { C } from '../dist/wire/constants.js';
import { parseLink } from '../dist/wire/link.js';
import { parseNeighbor } from '../dist/wire/neighbor.js';
import { eachMessage, readAck, readDone, type RawMessage } from '../dist/wire/netlink.js';
import { parseRoute } from '../dist/wire/route.js';
import { parseRule } from '../dist/wire/rule.js';
import { xorshift } from './wire';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 20000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** A plausible message of a type the parsers know: a family header, then attributes, some nested. */
function plausible(next: () => number): Buffer {
  const types = [C.RTM_NEWLINK, C.RTM_NEWADDR, C.RTM_NEWROUTE, C.RTM_NEWNEIGH, C.RTM_NEWRULE, C.NLMSG_ERROR, C.NLMSG_DONE];
  const type = types[next() % types.length]!;
  const w = new MessageWriter(type, next() & 0xffff);
  const header = [16, 8, 12, 12, 12, 20, 4][types.indexOf(type)]!;
  for (let i = 0; i < header; i++) w.u8(next() & 0xff);
  const attrs = next() % 24;
  for (let i = 0; i < attrs; i++) {
    const at = next() % 64;
    const len = next() % 40;
    if (next() % 4 === 0) {
      const n = w.nestStart(at);
      for (let j = next() % 4; j > 0; j--) w.putBytes(next() % 16, Buffer.from(Array.from({ length: next() % 24 }, () => next() & 0xff)));
      w.nestEnd(n);
    } else {
      w.putBytes(at, Buffer.from(Array.from({ length: len }, () => next() & 0xff)));
    }
  }
  return w.finish();
}

function mutate(buf: Buffer, next: () => number): Buffer {
  const b = Buffer.from(buf);
  switch (next() % 5) {
    case 0: // truncate
      return b.subarray(0, next() % (b.length + 1));
    case 1: // flip bits, lengths included
      for (let i = next() % 8; i >= 0; i--) if (b.length) b[next() % b.length]! ^= 1 << (next() % 8);
      return b;
    case 2: // lie about lengths
      if (b.length >= 4) b.writeUInt32LE(next() % 0x20000, 0);
      {
        const at = 16 + (next() % 4) * 4;
        if (b.length >= at + 2) b.writeUInt16LE(next() % 0x10000, at);
      }
      return b;
    case 3: // oversized: trailing garbage
      return Buffer.concat([b, Buffer.from(Array.from({ length: next() % 64 }, () => next() & 0xff))]);
    default:
      return b;
  }
}

function parseAll(buf: Buffer): number {
  let seen = 0;
  eachMessage(buf, (m: RawMessage) => {
    seen++;
    if (m.start > m.end || m.end > buf.length) throw new Error(`message bounds ${m.start}..${m.end} outside ${buf.length}`);
    parseLink(m);
    parseAddress(m);
    parseRoute(m);
    parseNeighbor(m);
    parseRule(m);
    readAck(m);
    readDone(m);
    eachAttr(m.buf, m.start, m.end, (_type, s, e) => {
      if (s > e || e > m.end) throw new Error(`attribute bounds ${s}..${e} outside ${m.end}`);
    });
  });
  return seen;
}

t.test(`${ITERATIONS} random and broken replies: no parser throws, hangs or overruns`, async (t) => {
  const next = xorshift(SEED);
  let messages = 0;
  let failures = 0;
  const started = Date.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const parts = Array.from({ length: 1 + (next() % 3) }, () => mutate(plausible(next), next));
    const buf = next() % 10 === 0 ? Buffer.from(Array.from({ length: next() % 200 }, () => next() & 0xff)) : Buffer.concat(parts);
    try {
      messages += parseAll(buf);
    } catch (e) {
      if (failures++ < 5) t.fail(`iteration ${i} (seed ${SEED}): ${(e as Error).stack}\n${buf.toString('hex')}`);
    }
  }
  t.equal(failures, 0, `${messages} messages parsed in ${Date.now() - started} ms, seed ${SEED}`);
});
