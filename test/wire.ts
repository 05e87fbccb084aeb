// Helpers of the golden-byte tests: hex with comments, and a message read back as the kernel's.
import { eachMessage, type RawMessage } from '../dist/wire/netlink.js';

/** Hex with whitespace and `# comments` removed. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gmu, '').replace(/\s+/gu, ''), 'hex');

/** The one netlink message in `buf`, as a parser receives it. */
export function message(buf: Buffer): RawMessage {
  const found: RawMessage[] = [];
  eachMessage(buf, (m) => found.push(m));
  if (found.length !== 1) throw new Error(`expected one message, found ${found.length}`);
  return found[0]!;
}

/** A payload (family header and attributes) wrapped in a header of `type`, as a reply. */
export function reply(type: number, payload: Buffer): RawMessage {
  return { type, flags: 0, seq: 1, buf: payload, start: 0, end: payload.length };
}

/** A seeded xorshift32: the same "random" inputs on every run, for the parsers' robustness tests. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}
