#!/usr/bin/env node
// The native fuzz target (native/fuzz/exchange_fuzz.cc: the reply loop, without a socket).
//
//   node scripts/fuzz-native.js replay        every saved input, sanitizers on (npm test)
//   node scripts/fuzz-native.js run [SECONDS] libFuzzer for SECONDS (default 60; npm run fuzz: 120)
//   node scripts/fuzz-native.js seeds         rewrites the hand-made seed inputs
//
// The binaries are CMakeLists.txt's targets exchange-replay and exchange-fuzz, built by
// scripts/native-build.js in build-fuzz/ (never build/Release).
//
// Saved inputs live in test/fuzz-corpus/exchange: the seeds, inputs that reached new code (merged
// in after each run), and every crash libFuzzer finds (it writes them there as crash-*); from
// then on `npm test` replays them all.
'use strict';
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { build } = require('./native-build.js');

const root = join(__dirname, '..');
const corpus = join(root, 'test', 'fuzz-corpus', 'exchange');

/** The targets of CMakeLists.txt, built by scripts/native-build.js: exits on a failed build. */
function built(kind) {
  try {
    return build(kind);
  } catch (e) {
    console.error(e.message);
    process.exit(e.code === 'NO_TOOLCHAIN' ? 2 : 1);
  }
}

function replay() {
  // build-fuzz/replay/: $CXX (default g++), with ASan and UBSan where it links them.
  const { dir, sanitized } = built('replay');
  console.log(`fuzz-native: ${process.env.CXX || 'g++'}${sanitized ? ' with AddressSanitizer and UBSan' : ' (no sanitizer runtime: plain build)'}`);
  const r = spawnSync(join(dir, 'exchange-replay'), [corpus], { stdio: 'inherit', env: { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' } });
  process.exit(r.status ?? 1);
}

function run(seconds) {
  // build-fuzz/libfuzzer/: $FUZZ_CXX (default clang++) with -fsanitize=fuzzer,address,undefined.
  const { dir } = built('fuzz');
  const bin = join(dir, 'exchange-fuzz');
  // libFuzzer grows a working corpus in build-fuzz/; the saved one is only read, and crashes go to it.
  const work = join(root, 'build-fuzz', 'corpus');
  mkdirSync(work, { recursive: true });
  cpSync(corpus, work, { recursive: true });
  const before = new Set(readdirSync(corpus));
  const r = spawnSync(bin, [`-max_total_time=${seconds}`, '-max_len=4096', '-print_final_stats=1', `-artifact_prefix=${corpus}/`, work], { stdio: 'inherit' });
  const crashes = readdirSync(corpus).filter((f) => !before.has(f));
  if (crashes.length || r.status !== 0) {
    console.error(`fuzz-native: libFuzzer failed; new crash inputs, from now on replayed by npm test: ${crashes.join(' ') || 'none'}`);
    process.exit(r.status || 1);
  }
  // Inputs that reached new code join the saved corpus, so npm test replays them too.
  spawnSync(bin, ['-merge=1', corpus, work], { stdio: 'ignore' });
  const added = readdirSync(corpus).filter((f) => !before.has(f));
  console.log(`fuzz-native: no crash; ${added.length} inputs with new coverage added to ${corpus}`);
}

// Hand-made seeds: a batch, then datagrams as the kernel would send them.
function seeds() {
  const PORT = 4242;
  // A port id with its top bit set stands for a NETLINK_NETFILTER socket (exchange_fuzz.cc).
  const NFT_PORT = (0x80000000 | PORT) >>> 0;
  const msg = (type, flags, seq, pid, body = Buffer.alloc(0)) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(16 + body.length, 0);
    h.writeUInt16LE(type, 4);
    h.writeUInt16LE(flags, 6);
    h.writeUInt32LE(seq, 8);
    h.writeUInt32LE(pid, 12);
    const pad = Buffer.alloc((4 - ((16 + body.length) % 4)) % 4);
    return Buffer.concat([h, body, pad]);
  };
  const REQUEST = 1, MULTI = 2, ACK = 4, DUMP = 0x300, ERROR = 2, DONE = 3, NEWLINK = 16, GETLINK = 18;
  const BATCH_BEGIN = 16, BATCH_END = 17, NEWRULE = (10 << 8) | 6;
  const ack = (seq, errno = 0, port = PORT) => {
    const b = Buffer.alloc(20);
    b.writeInt32LE(-errno, 0);
    b.writeUInt32LE(16, 4);
    b.writeUInt32LE(seq, 12);
    return msg(ERROR, 0, seq, port, b);
  };
  const input = (requests, datagrams, port = PORT) => {
    const head = Buffer.alloc(6);
    head.writeUInt32LE(port, 0);
    const batch = Buffer.concat(requests);
    head.writeUInt16LE(batch.length, 4);
    const parts = datagrams.map((d) => {
      const len = Buffer.alloc(2);
      len.writeUInt16LE(d.length);
      return Buffer.concat([len, d]);
    });
    return Buffer.concat([head, batch, ...parts]);
  };
  const change = (seq) => msg(NEWLINK, REQUEST | ACK, seq, 0, Buffer.alloc(16));
  const link = (seq, n) => msg(NEWLINK, MULTI, seq, PORT, Buffer.alloc(n, 0x41));
  const all = {
    'seed-ack': input([change(1)], [ack(1)]),
    'seed-refused': input([change(2)], [ack(2, 17)]),
    'seed-dump': input([msg(GETLINK, REQUEST | DUMP, 3, 0, Buffer.alloc(16))], [Buffer.concat([link(3, 18), link(3, 40)]), msg(DONE, MULTI, 3, PORT, Buffer.alloc(4))]),
    'seed-batch': input([change(5), change(6), change(7)], [
      Buffer.concat([ack(6), msg(ERROR, 0, 5, 999, Buffer.alloc(20)), ack(99)]),
      Buffer.concat([ack(5), ack(7).subarray(0, 30)]),
      ack(7),
    ]),
    'seed-mixed': input([change(8), msg(GETLINK, REQUEST | DUMP, 9, 0, Buffer.alloc(16)), change(10)], [ack(8), link(9, 21).subarray(0, 37), msg(DONE, MULTI, 9, PORT, Buffer.alloc(4)), ack(10)]),
    'seed-no-ack': input([msg(NEWLINK, REQUEST, 11, 0, Buffer.alloc(16))], [ack(11)]),
    // An nf_tables batch: BEGIN and END unanswered, a rule without ACK refused, the last with ACK.
    'seed-nft-batch': input(
      [msg(BATCH_BEGIN, REQUEST, 12, 0, Buffer.alloc(4)), msg(NEWRULE, REQUEST, 13, 0, Buffer.alloc(24)), msg(NEWRULE, REQUEST | ACK, 14, 0, Buffer.alloc(24)), msg(BATCH_END, REQUEST, 15, 0, Buffer.alloc(4))],
      [ack(13, 2, NFT_PORT), ack(14, 0, NFT_PORT)],
      NFT_PORT,
    ),
    // A batch that does not end in the buffer is refused.
    'seed-nft-unended': input([msg(BATCH_BEGIN, REQUEST, 16, 0, Buffer.alloc(4)), msg(NEWRULE, REQUEST | ACK, 17, 0, Buffer.alloc(24))], [ack(17, 0, NFT_PORT)], NFT_PORT),
  };
  mkdirSync(corpus, { recursive: true });
  for (const [name, bytes] of Object.entries(all)) writeFileSync(join(corpus, name), bytes);
  console.log(`fuzz-native: ${Object.keys(all).length} seeds in ${corpus}`);
}

const [verb = 'replay', arg] = process.argv.slice(2);
if (verb === 'replay') replay();
else if (verb === 'run') run(Number(arg ?? process.env.FUZZ_SECONDS ?? 60));
else if (verb === 'seeds') seeds();
else {
  console.error('usage: fuzz-native.js replay | run [SECONDS] | seeds');
  process.exit(2);
}
