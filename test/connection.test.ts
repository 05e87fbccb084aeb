// The request queue against a fake kernel: replies matched by sequence number, strays ignored,
// NLM_F_DUMP_INTR retried then reported, a failed receive failing only what went unanswered.
import t from 'tap';
import { Connection, DUMP_RETRIES, SPLIT_GROUP, namesKept, syncBudget, type Transport } from '../dist/connection.js';
import { NetlinkError } from '../dist/errors.js';
import { MessageWriter } from '../dist/wire/attr.js';
import { C } from '../dist/wire/constants.js';
import { parseLinkIndex } from '../dist/wire/link-message.js';

// The transport is injected: each test sets what the fake kernel answers.
type Transact = Transport['transact'];
let kernel: Transact = async () => Buffer.alloc(0);
const closed: number[] = [];
const fake: Transport = {
  transact: (fd, portid, requests) => kernel(fd, portid, requests),
  transactQuick: (fd, portid, requests) => kernel(fd, portid, requests),
  ifindex: () => -19,
  ifname: () => -19,
  close: (fd) => {
    closed.push(fd);
  },
};

function header(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(16 + payload.length);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  payload.copy(b, 16);
  return b;
}
const ack = (seq: number, errno = 0): Buffer => {
  const p = Buffer.alloc(4 + 16);
  p.writeInt32LE(-errno, 0);
  return header(C.NLMSG_ERROR, C.NLM_F_CAPPED, seq, p);
};
const done = (seq: number): Buffer => header(C.NLMSG_DONE, C.NLM_F_MULTI, seq, Buffer.alloc(4));
const part = (seq: number, flags = 0): Buffer => header(C.RTM_NEWLINK, C.NLM_F_MULTI | flags, seq, Buffer.alloc(16));
const seqs = (requests: Buffer): number[] => {
  const out: number[] = [];
  for (let at = 0; at < requests.length; at += requests.readUInt32LE(at)) out.push(requests.readUInt32LE(at + 8));
  return out;
};
const change = (): Buffer => new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK).u32(0).finish();
const dumpReq = (): Buffer => new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP).u32(0).finish();
const ctx = { op: 'test', object: {}, subject: 'thing' };

t.test('an answer of true (every reply a plain ACK): each change resolves, a get with nothing', async (t) => {
  const sent: number[][] = [];
  kernel = (async (_fd, _portid, requests) => {
    sent.push(seqs(requests));
    return true;
  }) as Transact;
  const conn = new Connection(fake, -1, 1);
  const get = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK).u32(0).finish();
  const [a, b, c] = await Promise.all([conn.change(change(), ctx), conn.request(change(), ctx), conn.request(get, ctx, parseLinkIndex)]);
  t.same(sent.map((x) => x.length), [3], 'one exchange of three requests');
  t.equal(a, undefined, 'a change: nothing');
  t.same(b, [], 'a request: no results');
  t.same(c, [], 'a get answered only by its ACK: no results');
  // A later exchange on the same connection still reads replies.
  kernel = (async (_fd, _portid, requests) => ack(seqs(requests)[0]!, 17)) as Transact;
  await t.rejects(conn.change(change(), ctx), { code: 'EEXIST' }, 'then a buffer with an error: the error');
});

t.test('replies are matched by sequence number; strays and late replies are ignored', async (t) => {
  let calls = 0;
  kernel = (async (_fd, _portid, requests) => {
    calls++;
    const [s1, s2] = seqs(requests) as [number, number];
    // Out of order, with a reply to a request that does not exist.
    return Buffer.concat([ack(s1 + 1000), ack(s2, 17), ack(s1)]);
  }) as Transact;
  const conn = new Connection(fake, -1, 1);
  const [a, b] = await Promise.allSettled([conn.request(change(), ctx), conn.request(change(), ctx)]);
  t.equal(calls, 1, 'both went in one batch');
  t.equal(a.status, 'fulfilled');
  t.equal(b.status, 'rejected');
  t.match((b as PromiseRejectedResult).reason, { code: 'EEXIST', errno: 17, op: 'test' });
});

t.test('an interrupted dump runs again, and is reported after repeated interruptions', async (t) => {
  let runs = 0;
  kernel = (async (_fd, _portid, requests) => {
    runs++;
    const [s] = seqs(requests) as [number];
    return Buffer.concat([part(s), part(s, runs < 3 ? C.NLM_F_DUMP_INTR : 0), done(s)]);
  }) as Transact;
  const conn = new Connection(fake, -1, 1);
  const got = await conn.dump(dumpReq(), ctx, (m) => m.type);
  t.equal(runs, 3, 'ran until a dump came back whole');
  t.same(got, [C.RTM_NEWLINK, C.RTM_NEWLINK], 'only the last run\'s messages');

  runs = 0;
  kernel = (async (_fd, _portid, requests) => {
    runs++;
    const [s] = seqs(requests) as [number];
    return Buffer.concat([part(s, C.NLM_F_DUMP_INTR), done(s)]);
  }) as Transact;
  const e = await conn.dump(dumpReq(), ctx, (m) => m.type).catch((x: unknown) => x);
  t.equal(runs, DUMP_RETRIES);
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'EINTR', kernelMessage: /interrupted/ });
});

t.test('a dump read in parts: each part parsed as it comes, in order; an interruption in a part runs it again', async (t) => {
  // Index i's message: a link whose ifinfomsg index is i.
  const link = (seq: number, i: number, flags = 0): Buffer => {
    const m = part(seq, flags);
    m.writeInt32LE(i, 16 + 4);
    return m;
  };
  let runs = 0;
  const parsedAt: number[] = []; // how many parts had come when each message was parsed
  let partsIn = 0;
  const parted: Transport = {
    ...fake,
    transact: async () => {
      throw new Error('a dump alone goes in parts');
    },
    transactParts: async (_fd, _portid, requests, onPart) => {
      runs++;
      const [s] = seqs(requests) as [number];
      for (let k = 0; k < 3; k++) {
        partsIn++;
        // The second run's middle part says the tables changed under it.
        onPart(Buffer.concat([link(s, 2 * k, runs === 1 && k === 1 ? C.NLM_F_DUMP_INTR : 0), link(s, 2 * k + 1)]));
      }
      return Buffer.concat([link(s, 6), done(s)]);
    },
  };
  const conn = new Connection(parted, -1, 1);
  const got = await conn.dump(dumpReq(), ctx, (m) => {
    parsedAt.push(partsIn);
    return parseLinkIndex(m);
  });
  t.equal(runs, 2, 'interrupted once, run again');
  t.same(got, [0, 1, 2, 3, 4, 5, 6], "every part's messages and the rest's, in order, only the last run's");
  t.same(parsedAt.slice(-7), [4, 4, 5, 5, 6, 6, 6], 'each part parsed as it came, before the next');
});

t.test('a receive failure (ENOBUFS) fails only the requests left unanswered', async (t) => {
  kernel = (async (_fd, _portid, requests) => {
    const [s1] = seqs(requests) as [number];
    const e = Object.assign(new Error('recvmsg: No buffer space available'), { errno: 105, syscall: 'recvmsg', replies: ack(s1) });
    throw e;
  }) as Transact;
  const conn = new Connection(fake, -1, 1);
  const [a, b] = await Promise.allSettled([conn.request(change(), ctx), conn.request(change(), ctx)]);
  t.equal(a.status, 'fulfilled', 'the answered one succeeded');
  t.match((b as PromiseRejectedResult).reason, { code: 'ENOBUFS', syscall: 'recvmsg' });
});

t.test('the kernel\'s extended ACK text travels with the error', async (t) => {
  kernel = (async (_fd, _portid, requests) => {
    const [s] = seqs(requests) as [number];
    const text = Buffer.from('Invalid prefix for given prefix length\0');
    const tlv = Buffer.alloc(4 + 40);
    tlv.writeUInt16LE(4 + text.length, 0);
    tlv.writeUInt16LE(C.NLMSGERR_ATTR_MSG, 2);
    text.copy(tlv, 4);
    const p = Buffer.concat([Buffer.alloc(4 + 16), tlv]);
    p.writeInt32LE(-22, 0);
    return header(C.NLMSG_ERROR, C.NLM_F_CAPPED | C.NLM_F_ACK_TLVS, s, p);
  }) as Transact;
  const e = await new Connection(fake, -1, 1).request(change(), ctx).catch((x: unknown) => x);
  t.match(e, { code: 'EINVAL', kernelMessage: 'Invalid prefix for given prefix length' });
  t.equal((e as Error).message, 'test thing: Invalid argument (EINVAL): Invalid prefix for given prefix length');
});

t.test('a closed connection refuses new requests but answers those made before', async (t) => {
  kernel = (async (_fd, _portid, requests) => Buffer.concat(seqs(requests).map((s) => ack(s)))) as Transact;
  const conn = new Connection(fake, -1, 1);
  const made = conn.request(change(), ctx);
  conn.close();
  t.same(closed, [], 'not closed while a request is in flight');
  await t.resolves(made);
  t.same(closed, [-1], 'closed once idle');
  await t.rejects(conn.request(change(), ctx), { code: 'EBADF' });
});

t.test('chains of awaited steps on many sockets fall into step: one job per wave, not one per socket', async (t) => {
  // A kernel that answers every request with an ACK, a little later (as a pool job would).
  const answer = (requests: Buffer): Buffer => Buffer.concat(seqs(requests).map((s) => ack(s)));
  const jobs: number[] = [];
  const grouping: Transport = {
    ...fake,
    transact: async (_fd, _portid, requests) => {
      jobs.push(1);
      await new Promise((r) => setTimeout(r, 1));
      return answer(requests);
    },
    transactQuick: async (_fd, _portid, requests) => {
      jobs.push(1);
      await new Promise((r) => setTimeout(r, 1));
      return answer(requests);
    },
    transactMany: async (fds, _portids, requests) => {
      jobs.push(fds.length);
      await new Promise((r) => setTimeout(r, 1));
      return requests.map(answer);
    },
  };
  const conns = Array.from({ length: 20 }, (_, i) => new Connection(grouping, 100 + i, i + 1));
  // Each socket's four steps, each awaited before the next; the first ones start out of step.
  await Promise.all(
    conns.map(async (c, i) => {
      await new Promise((r) => setTimeout(r, i % 3));
      for (let step = 0; step < 4; step++) await c.request(change(), ctx);
    }),
  );
  t.equal(jobs.reduce((a, b) => a + b, 0), 80, 'every request answered');
  t.ok(jobs.length <= 16, `80 exchanges of 20 sockets in ${jobs.length} jobs (${jobs.join(' ')}), not 80`);

  // A dump, an nf_tables batch and a link creation keep a job of their own.
  jobs.length = 0;
  const make = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE).u32(0).finish();
  kernel = (async (_fd, _portid, requests) => {
    jobs.push(-1);
    return Buffer.concat(seqs(requests).map((s) => (requests.readUInt16LE(6) & C.NLM_F_DUMP ? done(s) : ack(s))));
  }) as Transact;
  const own: Transport = { ...grouping, transact: (fd, portid, requests) => kernel(fd, portid, requests) };
  const [a, b] = [new Connection(own, 200, 1), new Connection(own, 201, 2)];
  await Promise.all([a.dump(dumpReq(), ctx, () => undefined), b.request(make, ctx)]);
  t.same(jobs, [-1, -1], 'each in a job of its own');
});

t.test(`a group of ${SPLIT_GROUP} exchanges or more goes as two jobs at once; the next group waits for both`, async (t) => {
  const answer = (requests: Buffer): Buffer => Buffer.concat(seqs(requests).map((s) => ack(s)));
  const jobs: { fds: number[]; running: number }[] = [];
  let running = 0;
  const finish: (() => void)[] = [];
  const alone: number[] = [];
  const split: Transport = {
    ...fake,
    // A flush the loop's budget kept apart from the rest goes alone.
    transact: async (fd, _portid, requests) => {
      alone.push(fd);
      return answer(requests);
    },
    transactMany: (fds, _portids, requests) => {
      jobs.push({ fds, running: running++ });
      return new Promise((r) => {
        finish.push(() => {
          running--;
          r(requests.map(answer));
        });
      });
    },
  };
  // The subject is the split, not the loop's budget: making 200 requests in one tick can take
  // more than its millisecond on a loaded machine (the full suite, files in parallel), and the
  // flushes past it would wait for turns of the loop, in groups of their own.
  const previous = syncBudget(1000);
  t.teardown(() => void syncBudget(previous));
  const turns = (): Promise<void> => new Promise((r) => setTimeout(r, 10));
  const n = SPLIT_GROUP + 72;
  const conns = Array.from({ length: n }, (_, i) => new Connection(split, 1000 + i, i + 1));
  const first = Promise.all(conns.map((c) => c.request(change(), ctx)));
  await turns();
  const [a, b] = jobs.map((j) => j.fds.length) as [number, number];
  t.equal(jobs.length, 2, `${n} exchanges: two jobs (${a} and ${b}; ${alone.length} alone)`);
  t.ok(a + b >= SPLIT_GROUP && Math.abs(a - b) <= 1, 'halves of one group');
  t.same(jobs.map((j) => j.running), [0, 1], 'the second started while the first ran');
  t.same([...alone, ...jobs.flatMap((j) => j.fds)].sort(), conns.map((c) => c.fd).sort(), 'each socket once');
  // The first half answers; the next steps of its sockets wait for the second half.
  const second = Promise.all(conns.slice(0, 10).map((c) => c.request(change(), ctx)));
  finish.shift()!();
  await turns();
  t.equal(jobs.length, 2, 'nothing new goes while half the group is under way');
  finish.shift()!();
  await first;
  await turns();
  t.same(jobs.slice(2).map((j) => j.fds.length), [10], 'then the next group, of fewer: one job');
  finish.shift()!();
  await second;
});

t.test('a burst of quick requests goes down in chunks as it is made, in order, each answered on its own', async (t) => {
  // A fake I/O thread: jobs answered one after another, in the order given, a moment later.
  const calls: { seqs: number[]; wait: boolean | undefined; unanswered: number; quick: boolean }[] = [];
  let unanswered = 0;
  let line = Promise.resolve();
  const answer = (requests: Buffer): Promise<Buffer> => {
    unanswered++;
    const reply = (): Buffer => Buffer.concat(seqs(requests).map((s) => ack(s, s === refused ? 17 : 0)));
    const answered = line.then(() => new Promise<Buffer>((r) => setTimeout(() => r(reply()), 1)));
    line = answered.then(() => {
      unanswered--;
    });
    return answered;
  };
  const pipe: Transport = {
    ...fake,
    transactQuick: (_fd, _portid, requests, wait) => {
      calls.push({ seqs: seqs(requests), wait, unanswered, quick: true });
      return answer(requests);
    },
    transact: (_fd, _portid, requests) => {
      calls.push({ seqs: seqs(requests), wait: undefined, unanswered, quick: false });
      return answer(requests);
    },
  };
  const conn = new Connection(pipe, 300, 1);
  const address = (): Buffer => new MessageWriter(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK).u32(0).u32(0).finish();
  let refused = -1;
  const made: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    made.push(conn.request(address(), ctx));
    // Chunks leave while the burst is still being made.
    if (i === 63) t.equal(calls.length, 1, 'the first 64 went down at once');
    if (i === 130) t.equal(calls.length, 2, 'then the next 64');
  }
  refused = calls[1]!.seqs[5]!;
  const link = conn.request(change(), ctx); // not quick: the rest waits for the chunks
  const results = await Promise.allSettled([...made, link]);
  t.same(calls.map((c) => [c.seqs.length, c.quick]), [[64, true], [64, true], [64, true], [9, false]], 'three chunks, then the rest with the link change');
  t.same(calls.slice(0, 3).map((c) => c.wait), [false, false, false], 'the caller does not wait on a chunk');
  t.ok(calls[1]!.unanswered >= 1 && calls[2]!.unanswered >= 1, 'a chunk goes while earlier ones are unanswered');
  t.equal(calls[3]!.unanswered, 0, 'a batch that is not all quick goes once the chunks are answered');
  const all = calls.flatMap((c) => c.seqs);
  t.same(all, [...all].sort((a, b) => a - b), 'sequence numbers in the order the requests were made');
  t.equal(new Set(all).size, 201, 'every request sent once');
  const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as NetlinkError).code]] : []));
  t.same(rejected, [[64 + 5, 'EEXIST']], 'only the refused request fails');

  // Without a request that is not quick, the rest of a burst follows the chunks at once.
  const tail = await (async () => {
    const before = calls.length;
    const burst = Array.from({ length: 70 }, () => conn.request(address(), ctx));
    await Promise.all(burst);
    return calls.slice(before).map((c) => [c.seqs.length, c.quick, c.unanswered]);
  })();
  t.same(tail, [[64, true, 0], [6, true, 1]], 'a burst of 70: a chunk, and the 6 left behind it before it is answered');
});

t.test('a name found is kept for a millisecond, never past a request of this process that may change names, sent or answered', async (t) => {
  const asked: string[] = [];
  const indexes: Record<string, number> = { eth0: 2, br0: 3 };
  let answerLink: () => void = () => undefined;
  const named: Transport = {
    ...fake,
    ifindex: (_fd, name) => {
      asked.push(name);
      return indexes[name] ?? -19;
    },
    transactQuick: (_fd, _portid, requests) => Promise.resolve(Buffer.concat(seqs(requests).map((s) => ack(s)))),
    // A link request (not quick: the pool) answered when the test says.
    transact: (_fd, _portid, requests) => new Promise((resolve) => (answerLink = () => resolve(Buffer.concat(seqs(requests).map((s) => ack(s)))))),
  };
  // Kept for a minute but where a step waits out the time: a loaded machine can take a
  // millisecond between two steps.
  const previous = namesKept(60_000);
  t.teardown(() => namesKept(previous));
  const conn = new Connection(named, 301, 1);
  const other = new Connection(named, 302, 2);
  const found = Array.from({ length: 100 }, () => conn.ifindex('eth0'));
  t.same(new Set(found), new Set([2]), 'the same index every time');
  t.same(asked, ['eth0'], 'a hundred calls at once: one lookup');
  t.equal(conn.ifindex('br0'), 3);
  t.equal(conn.ifindex('nosuch'), -19);
  t.equal(conn.ifindex('nosuch'), -19);
  t.same(asked, ['eth0', 'br0', 'nosuch', 'nosuch'], 'a name not found is asked again each time');

  // A link request on another socket, sent and answered: what was kept is forgotten (the
  // last part of this test says when). Each step below starts from one name just found.
  const renamed = async (): Promise<void> => {
    const r = other.change(change(), ctx);
    await new Promise((resolve) => setImmediate(resolve));
    answerLink();
    await r;
  };
  // Quick requests (addresses, routes) change no names: a burst sent and answered, one after
  // another as W3 makes them, keeps what was found.
  const address = (): Buffer => new MessageWriter(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK).u32(0).u32(0).finish();
  const fresh = async (): Promise<void> => {
    await renamed();
    conn.ifindex('eth0');
    asked.length = 0;
  };
  await fresh();
  const burst = Array.from({ length: 64 }, () => conn.request(address(), ctx));
  await Promise.all(burst);
  for (let i = 0; i < 5; i++) await conn.request(address(), ctx);
  t.equal(conn.ifindex('eth0'), 2);
  t.same(asked, [], 'after quick requests sent and answered: no lookup');

  // Past the millisecond, what the kernel says now: a rename by another process is seen.
  namesKept(1);
  await fresh();
  indexes.eth0 = 7;
  await new Promise((r) => setTimeout(r, 5));
  t.equal(conn.ifindex('eth0'), 7, 'a millisecond later: what the kernel says now');
  namesKept(60_000);
  t.same(asked, ['eth0']);

  // A link request of this process, on another socket: the name is asked again once it has
  // gone, and again once it is answered (a lookup while it runs may see the name it is changing).
  await fresh();
  const renaming = other.change(change(), ctx);
  await new Promise((r) => setImmediate(r));
  t.equal(conn.ifindex('eth0'), 7);
  t.same(asked, ['eth0'], 'looked up again once a link request went');
  t.equal(conn.ifindex('eth0'), 7);
  t.same(asked, ['eth0'], 'and kept while it runs');
  answerLink();
  await renaming;
  indexes.eth0 = 9;
  t.equal(conn.ifindex('eth0'), 9, 'once it is answered: what the kernel says now');
  t.same(asked, ['eth0', 'eth0']);

  // A netfilter socket's batches name no interface: they forget nothing.
  await fresh();
  const nft = new Connection({ ...named, transact: (_fd, _portid, requests) => Promise.resolve(Buffer.concat(seqs(requests).map((s) => ack(s)))) }, 303, 3, 'netfilter');
  await nft.change(new MessageWriter(C.NFNL_SUBSYS_NFTABLES << 8, C.NLM_F_REQUEST | C.NLM_F_ACK).u32(0).finish(), ctx);
  conn.ifindex('eth0');
  t.same(asked, [], 'after a netfilter request: no lookup');
});
