// Threads: none ever changes namespace; quick requests go to the one hot I/O thread.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Netns } from '../dist/index.js';
import { native } from '../dist/native.js';
import { writeU32 } from '../dist/wire/attr.js';
import { C } from '../dist/wire/constants.js';
import { encodeSetLink } from '../dist/wire/link-message.js';
import { ipLink, namedNetns, threadNamespaces } from './helpers';

t.test('hundreds of concurrent operations across many namespaces leave every thread where it started', async (t) => {
  const start = readlinkSync('/proc/self/ns/net');
  const spaces = await namedNetns(t, 'threads', 12);
  const threadsBefore = native.stats().threads;
  const ops: Promise<unknown>[] = [];
  for (const [i, ns] of spaces.entries()) {
    for (let j = 0; j < 10; j++) ops.push(ns.createBridge(`br${j}`, { up: j % 2 === 0 }));
    ops.push(ns.links());
    // Peers placed into the next namespace: requests carry other namespaces' fds.
    for (let j = 0; j < 10; j++) ops.push(ns.createVeth(`x${j}`, { peer: `y${i}-${j}`, peerNetns: spaces[(i + 1) % spaces.length]! }));
  }
  const results = await Promise.allSettled(ops);
  t.same(results.filter((r) => r.status === 'rejected'), [], `${ops.length} operations, none failed`);
  for (const ns of spaces) t.equal(ipLink(ns.name!).length, 1 + 10 + 10 + 10, `${ns.name}: lo, 10 bridges, 10 veths, 10 peers`);
  const namespaces = threadNamespaces();
  t.ok(namespaces.size > 1, `${namespaces.size} threads seen`);
  for (const [tid, ns] of namespaces) t.equal(ns, start, `thread ${tid} is in the namespace the process started in`);
  t.ok(native.stats().threads - threadsBefore <= spaces.length, 'at most one short-lived thread per namespace (the socket\'s)');
});

t.test('sockets asked for together are made by one thread that enters each namespace in turn', async (t) => {
  const spaces = await namedNetns(t, 'sockmany', 8);
  await Promise.all(spaces.map((ns, i) => ns.createBridge(`only${i}`)));
  const start = readlinkSync('/proc/self/ns/net');
  // Fresh handles with no socket yet (the creating handles, which had one each, closed). The
  // eight asked for in one tick go together: none goes ahead alone.
  for (const ns of spaces) ns.close();
  const fresh = await Promise.all(spaces.map((ns) => Netns.open(ns.name!)));
  t.teardown(() => fresh.forEach((h) => h.close()));
  const before = native.stats().threads;
  const seen = await Promise.all(fresh.map((h) => h.links()));
  t.same(seen.map((links) => links.map((l) => l.name).sort()), spaces.map((_, i) => ['lo', `only${i}`]), 'each socket is in its own namespace');
  t.equal(native.stats().threads - before, 1, 'one thread for the eight sockets of one tick');
  for (const [tid, ns] of threadNamespaces()) t.equal(ns, start, `thread ${tid} is in the namespace the process started in`);

  // Called directly: an entry that cannot be entered fails alone, the others are made.
  const notNs = openSync('/proc/self/stat', 'r');
  const nsFds = spaces.slice(0, 2).map((ns) => openSync(`/run/netns/${ns.name}`, 'r'));
  t.teardown(() => [notNs, ...nsFds].forEach((fd) => closeSync(fd)));
  const answers = await native.socketOpenMany([nsFds[0]!, notNs, nsFds[1]!, -1], C.NETLINK_ROUTE);
  t.match(answers[1], { errno: 22, syscall: 'setns' }, 'not a namespace: EINVAL from setns');
  t.match(answers[3], { errno: 9, syscall: 'setns' }, 'no such descriptor: EBADF');
  for (const i of [0, 2]) {
    const s = answers[i] as { fd: number; portid: number };
    t.ok(s.fd > 0 && s.portid > 0, `entry ${i}: a socket`);
    const name = native.ifname(s.fd, 1);
    t.equal(name, 'lo', `entry ${i}: its namespace has lo as 1`);
    t.ok(native.ifindex(s.fd, `only${i / 2}`) > 0, `entry ${i}: made in ${spaces[i / 2]!.name}, where only${i / 2} is`);
    native.close(s.fd);
  }
  t.throws(() => native.socketOpenMany([notNs], 99), TypeError, 'a protocol that is neither route nor netfilter');
  t.throws(() => native.socketOpen(-1), TypeError, 'socketOpen: a negative descriptor is refused, never taken for a new namespace');
});

t.test('quick requests: answered by the hot I/O thread, long ones through the event loop', async (t) => {
  const ns = await Netns.create();
  t.teardown(() => ns.close());
  await ns.setUp('lo');
  for (let i = 0; i < 200; i++) await ns.addAddress('lo', `198.18.6.${i}/32`); // warm the JIT
  const tasks = readdirSync('/proc/self/task').length;
  // How many are answered in place depends on the machine's load (a figure for npm run bench);
  // with the caller allowed to wait 50 ms, the in-place path must be taken even on a busy machine.
  // Every exchange to the I/O thread (none made by the caller itself: see the next test).
  const previous = native.quickTimings(50e6, undefined, 0);
  t.teardown(() => native.quickTimings(...previous));
  const s0 = native.stats();
  for (let i = 0; i < 100; i++) await ns.addAddress('lo', `198.18.7.${i}/32`);
  const s1 = native.stats();
  native.quickTimings(...previous);
  t.equal(s1.quickDirect, s0.quickDirect, 'none made by the caller');
  t.equal(s1.quickAnswered + s1.quickDeferred - s0.quickAnswered - s0.quickDeferred, 100, 'each on the quick path');
  t.ok(s1.quickAnswered - s0.quickAnswered >= 50, `answered while the caller waited: ${s1.quickAnswered - s0.quickAnswered} of 100`);
  t.ok(readdirSync('/proc/self/task').length <= tasks + 1, 'no thread per request');
  // 3,000 in one batch take the kernel longer than the caller waits: they complete later.
  const many = Array.from({ length: 3000 }, (_, i) => `198.18.${8 + (i >> 8)}.${i & 255}/32`);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await Promise.all(many.map((a) => ns.addAddress('lo', a)));
  clearInterval(timer);
  t.ok(native.stats().quickDeferred > s1.quickDeferred, 'the long batch completed through the event loop');
  t.equal((await ns.addresses({ ifname: 'lo', family: 4 })).length, 1 + 200 + 100 + 3000, '127.0.0.1 and every one added');
});

t.test('a small exchange the caller waits for is made by the caller; after one over the limit the I/O thread makes them, until eight in a row are within it', async (t) => {
  const ns = await Netns.create();
  t.teardown(() => ns.close());
  await ns.setUp('lo');
  // 50 ms: within the limit even on a loaded machine (a preempted caller is over it).
  const previous = native.quickTimings(undefined, undefined, 50e6);
  t.teardown(() => native.quickTimings(...previous));
  // An earlier exchange over the default limit (1 ms: a loaded machine) may have left them to
  // the I/O thread: after eight within this one, the caller makes them whichever it was.
  for (let i = 0; i < 8; i++) await ns.addAddress('lo', `198.18.4.${i}/32`);
  const paths = async (from: number, count: number): Promise<[number, number]> => {
    const s0 = native.stats();
    for (let i = from; i < from + count; i++) await ns.addAddress('lo', `198.18.5.${i}/32`);
    const s1 = native.stats();
    return [s1.quickDirect - s0.quickDirect, s1.quickAnswered + s1.quickDeferred - s0.quickAnswered - s0.quickDeferred];
  };
  t.same(await paths(0, 50), [50, 0], 'one at a time: each made by the caller, none by the I/O thread');
  // A limit of 1 ns: the next exchange made in place is over it, and so is every later one.
  native.quickTimings(undefined, undefined, 1);
  t.same(await paths(50, 20), [1, 19], 'over the limit once: the next ones on the I/O thread');
  native.quickTimings(undefined, undefined, 50e6);
  t.same(await paths(70, 20), [12, 8], 'within it again: eight on the I/O thread, then the caller makes them');
  // The kernel's refusal, answered to a request the caller made itself, rejects as any other.
  const s0 = native.stats();
  await t.rejects(ns.addAddress('lo', '198.18.5.0/32'), { code: 'EEXIST', op: 'addAddress' }, 'an address already there: EEXIST');
  t.equal(native.stats().quickDirect - s0.quickDirect, 1, 'that request too made by the caller');
  t.equal((await ns.addresses({ ifname: 'lo', family: 4 })).length, 1 + 8 + 90, '127.0.0.1 and every one added, whichever thread sent it');
});

t.test('transactQuick: the answer itself when answered in place, else a promise; plain ACKs answer true; a failure rejects one', async (t) => {
  const [ns] = await namedNetns(t, 'inplace');
  const nsFd = openSync(`/run/netns/${ns!.name}`, 'r');
  const s = await native.socketOpen(nsFd);
  closeSync(nsFd);
  t.teardown(() => native.close(s.fd));
  // lo up (RTM_SETLINK, as setUp sends it): a change whose only answer is an ACK; or, on an
  // index no link has, an error.
  const up = (seq: number, index = 1): Buffer => {
    const b = encodeSetLink({ index, up: true });
    writeU32(b, seq, 8);
    return b;
  };
  // The sequence numbers of the ACKs in `replies`, -1 for anything else (an error, another type).
  const seqs = (replies: Buffer): number[] => {
    const out: number[] = [];
    for (let at = 0; at + 16 <= replies.length; at += replies.readUInt32LE(at)) {
      const ack = replies.readUInt16LE(at + 4) === C.NLMSG_ERROR && replies.readInt32LE(at + 16) === 0;
      out.push(ack ? replies.readUInt32LE(at + 8) : -1);
    }
    return out;
  };
  // The caller may wait 50 ms: in place even on a busy machine; every exchange on the I/O
  // thread (the previous test has the ones the caller makes itself).
  const previous = native.quickTimings(50e6, 50e6, 0);
  t.teardown(() => native.quickTimings(...previous));
  const first = native.transactQuick(s.fd, s.portid, up(1)); // the thread may be asleep, or not made yet
  await first;
  const r = native.transactQuick(s.fd, s.portid, up(2));
  t.equal(r, true, 'answered in place by a plain ACK: true, neither a buffer nor a promise');
  t.ok(ipLink(ns!.name!).find((l: any) => l.ifname === 'lo').flags.includes('UP'), 'lo is up, as ip sees it');
  // An error among the answers: the replies themselves, each in its place (in place or later:
  // under the full suite's load the thread may have gone to sleep in the meantime).
  const mixed = await native.transactQuick(s.fd, s.portid, Buffer.concat([up(4), up(5, 0x7fffff00), up(6)]));
  t.ok(Buffer.isBuffer(mixed), 'an error among the ACKs: a Buffer');
  t.same(seqs(mixed as Buffer), [4, -1, 6], 'the ACKs of 4 and 6, the error of 5 between them');
  t.equal((mixed as Buffer).readInt32LE(36 + 16), -19, 'request 5: ENODEV');

  // A descriptor that is no socket: sendmsg fails in place, and the call returns a rejected promise.
  const notSocket = openSync('/proc/self/stat', 'r');
  t.teardown(() => closeSync(notSocket));
  const failed = native.transactQuick(notSocket, s.portid, up(3));
  t.ok(failed instanceof Promise, 'a failure is a promise');
  const reason = await (failed as Promise<Buffer>).then(() => null, (e: unknown) => e);
  t.match(reason, { errno: 88, syscall: 'sendmsg' }, 'rejected: ENOTSOCK, from sendmsg');

  // A batch longer than the caller waits (1 µs here): a promise, resolved later with true
  // when every answer is an ACK, or with every reply, in order, when one is an error.
  native.quickTimings(1000);
  const burst = (last: number): Buffer => Buffer.concat(Array.from({ length: 2000 }, (_, i) => up(10 + i, i === 1999 ? last : 1)));
  const later = native.transactQuick(s.fd, s.portid, burst(1));
  t.ok(later instanceof Promise, 'not answered in time: a promise');
  t.equal(await later, true, '2,000 plain ACKs: true');
  const failing = await native.transactQuick(s.fd, s.portid, burst(0x7fffff00));
  t.ok(Buffer.isBuffer(failing), 'the last of them failing: a Buffer');
  t.same(seqs(failing as Buffer), [...Array.from({ length: 1999 }, (_, i) => 10 + i), -1], 'every ACK, in order, then the error');
});

/** The CPUs a thread may run on, as the kernel lists them (`0-1`), from its status file. */
function cpusAllowed(task: string): string {
  return /^Cpus_allowed_list:\s*(\S+)$/mu.exec(readFileSync(`/proc/${task}/status`, 'utf8'))![1]!;
}

/** The addon's I/O thread of this process (named by the addon), or undefined before it runs. */
function ioThread(): string | undefined {
  return readdirSync('/proc/self/task').find((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'netns-link io';
    } catch {
      return false; // the thread ended meanwhile
    }
  });
}

const ALLOWED = cpusAllowed('self');
const ONE_CPU = /^\d+$/u.test(ALLOWED) ? `this process may run on CPU ${ALLOWED} only: nothing to move the I/O thread to` : false;

t.test('a burst that finds the I/O thread asleep moves it off the caller\'s CPU; it takes its affinity back as it runs', { skip: ONE_CPU }, async (t) => {
  const [ns] = await namedNetns(t, 'steer');
  await ns!.setUp('lo');
  await ns!.addAddress('lo', '198.18.9.0/32'); // the I/O thread made, if it was not yet
  // A thread that goes to sleep at once after a job: each burst below finds it asleep.
  const previous = native.quickTimings(undefined, 1000);
  t.teardown(() => native.quickTimings(...previous));
  const io = ioThread();
  t.ok(io, 'the I/O thread is named netns-link io');
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const s0 = native.stats();
    await Promise.all(Array.from({ length: 256 }, (_, i) => ns!.addAddress('lo', `198.18.${10 + round}.${i}/32`)));
    const s1 = native.stats();
    t.ok(s1.quickDeferred > s0.quickDeferred, `round ${round}: the burst's chunks went to the I/O thread`);
    t.ok(s1.quickSteered > s0.quickSteered, `round ${round}: it was moved off the caller's CPU (${s1.quickSteered - s0.quickSteered} times)`);
    t.equal(cpusAllowed(`self/task/${io!}`), ALLOWED, `round ${round}: its affinity is the process's again (${ALLOWED})`);
  }
  const seen = JSON.parse(execFileSync('ip', ['-n', ns!.name!, '-4', '-j', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' })) as { addr_info: unknown[] }[];
  t.equal(seen[0]!.addr_info.length, 1 + 1 + 3 * 256, 'every address made, as ip lists them');
});

t.test('a process its user allowed one CPU: the I/O thread is never moved, its affinity left as set', async (t) => {
  const [ns] = await namedNetns(t, 'onecpu');
  const cpu = ALLOWED.split(/[,-]/u)[0]!;
  const dist = join(__dirname, '..', 'dist', '/');
  const code = `const { Netns } = require(${JSON.stringify(`${dist}index.js`)});
const { native } = require(${JSON.stringify(`${dist}native.js`)});
const fs = require('fs');
(async () => {
  const ns = await Netns.open(${JSON.stringify(ns!.name)});
  await ns.setUp('lo');
  native.quickTimings(undefined, 1000);
  const addrs = Array.from({ length: 256 }, (_, i) => '198.18.20.' + i + '/32');
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all(addrs.map((a) => ns.addAddress('lo', a)));
    await Promise.all(addrs.map((a) => ns.deleteAddress('lo', a)));
  }
  const io = fs.readdirSync('/proc/self/task').find((t) => fs.readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim() === 'netns-link io');
  const mask = /^Cpus_allowed_list:\\s*(\\S+)$/m.exec(fs.readFileSync('/proc/self/task/' + io + '/status', 'utf8'))[1];
  console.log(JSON.stringify({ steered: native.stats().quickSteered, deferred: native.stats().quickDeferred, mask }));
  ns.close();
})();`;
  const out = JSON.parse(execFileSync('taskset', ['-c', cpu, process.execPath, '-e', code], { encoding: 'utf8' }));
  t.equal(out.steered, 0, 'never moved');
  t.ok(out.deferred > 0, 'though its bursts went to the I/O thread');
  t.equal(out.mask, cpu, `its affinity is the one the user set: CPU ${cpu}`);
  t.equal((await ns!.addresses({ ifname: 'lo', family: 4 })).length, 1, 'every address made was deleted: only 127.0.0.1 left');
});
