// Dumps read in parts: JavaScript parses each part while the kernel makes the next, and what
// it gets is exactly what one whole read gives, in order, with the end after the last part.
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { native, type Answer } from '../dist/native.js';
import { C } from '../dist/wire/constants.js';
import { encodeDumpLinks, parseLinkIndex } from '../dist/wire/link-message.js';
import { eachMessage } from '../dist/wire/netlink.js';
import { ipLink, namedNetns, type Teardown } from './helpers';

const PAIRS = 150; // 301 links, about 400 KiB of replies: several parts

/** A dump's answer is always its replies (`true` is only for changes all answered by plain ACKs). */
function replies(a: Answer): Buffer {
  if (a === true) throw new Error('a dump answered true');
  return a;
}

/** Each message of `buf`: its type and, for a link, its index; and whether the messages tile it exactly. */
function walk(buf: Buffer): { types: number[]; indexes: number[]; whole: boolean } {
  const types: number[] = [];
  const indexes: number[] = [];
  let end = 0;
  eachMessage(buf, (m) => {
    types.push(m.type);
    const index = parseLinkIndex(m);
    if (index !== undefined) indexes.push(index);
    end = (m.end + 3) & ~3;
  });
  return { types, indexes, whole: end === buf.length };
}

async function withPairs(t: Teardown): Promise<{ ns: Netns; fd: number; portid: number }> {
  const [ns] = await namedNetns(t, 'parts');
  await Promise.all(Array.from({ length: PAIRS }, (_, i) => ns!.createVeth(`pa${i}`, { peer: `pb${i}` })));
  const nsFd = openSync(`/run/netns/${ns!.name}`, 'r');
  const s = await native.socketOpen(nsFd);
  closeSync(nsFd);
  t.teardown(() => native.close(s.fd));
  return { ns: ns!, fd: s.fd, portid: s.portid };
}

const dumpLinks = (seq: number): Buffer => {
  const b = encodeDumpLinks();
  b.writeUInt32LE(seq, 8);
  return b;
};

t.test('transactParts: whole messages in parts, in order, then the rest; the same as one read', async (t) => {
  const { fd, portid } = await withPairs(t);
  const whole = walk(replies(await native.transact(fd, portid, dumpLinks(1))));
  t.ok(whole.whole, 'one read: messages tile the buffer');
  t.equal(whole.indexes.length, 2 * PAIRS + 1, 'one read: every link');

  const parts: Buffer[] = [];
  let ended = false;
  let partAfterEnd = false;
  const rest = await native
    .transactParts(fd, portid, dumpLinks(2), (part) => {
      if (ended) partAfterEnd = true;
      parts.push(part);
    })
    .finally(() => {
      ended = true;
    });
  await new Promise((r) => setImmediate(r));
  t.notOk(partAfterEnd, 'no part comes after the promise settled');
  t.ok(parts.length >= 3, `${parts.length} parts before the end`);
  for (const [i, p] of parts.entries()) {
    const w = walk(p);
    t.ok(w.whole && w.types.length > 0, `part ${i}: whole messages only (${p.length} bytes)`);
    t.ok(w.types.every((type) => type === C.RTM_NEWLINK), `part ${i}: links only (NLMSG_DONE stays for the end)`);
    t.ok(p.length <= 64 * 1024 + 32 * 1024, `part ${i}: at most a part's size and one datagram`);
  }
  const last = walk(replies(rest));
  t.ok(last.whole, 'the rest: whole messages');
  t.equal(last.types.at(-1), C.NLMSG_DONE, 'the rest ends with NLMSG_DONE');
  const got = [...parts.flatMap((p) => walk(p).indexes), ...last.indexes];
  t.same(got, whole.indexes, 'parts and rest: the same links, in the same order, as one read');
});

t.test('links() through parts: every link the kernel has, as ip sees them', async (t) => {
  const { ns } = await withPairs(t);
  const links = await ns.links();
  const ip = ipLink(ns.name!);
  t.equal(links.length, ip.length, `${ip.length} links`);
  t.same(
    links.map((l) => [l.index, l.name, l.mtu, l.address, l.up]),
    ip.map((l: any) => [l.ifindex, l.ifname, l.mtu, l.address, l.flags.includes('UP')]),
    'index, name, MTU, address and state of each, in order',
  );
  t.same(
    links.filter((l) => l.name.startsWith('pa')).map((l) => l.linkIndex),
    ip.filter((l: any) => l.ifname.startsWith('pa')).map((l: any) => ip.find((p: any) => p.ifname === `pb${l.ifname.slice(2)}`).ifindex),
    "each veth's peer index",
  );
});

t.test('a read failing after a part rejects the dump with its errno; what is left of it is drained, not left to make the socket busy', async (t) => {
  const { ns } = await withPairs(t);
  await ns.links(); // the socket is open: the fault is the dump's own
  t.teardown(() => native.injectFault('', 0));
  native.injectFault('dump.part', constants.errno.EIO);
  const e = await ns.links().then(
    () => null,
    (err: unknown) => err,
  );
  t.match(e, { name: 'NetlinkError', code: 'EIO', op: 'links' }, 'a NetlinkError: EIO, in links');
  // The same socket: a dump still under way on it would make this one EBUSY.
  t.equal((await ns.links()).length, 2 * PAIRS + 1, 'the next dump on the same socket reads every link');
});
