#!/usr/bin/env node
// W3 one at a time (1,000 /32 addresses added to `lo`, then deleted, each awaited before the
// next), four ways in one sandbox (`unshare --net`; the host is never touched), the ways taking
// turns round by round, each as a ratio to the C sequential reference of its round:
//
//   raw    the addon's call alone, on messages encoded beforehand: no await when answered in
//          place, no event-loop turn;
//   floor  what any Node library must do per call: parse the address text, SIOCGIFINDEX,
//          encode, a promise resolved with the answer and awaited, and the event loop let turn
//          every millisecond (as the library does: timers and I/O must not starve);
//   lib    ns.addAddress / ns.deleteAddress;
//   C      bench/ref.c `w3` (libmnl, one request at a time), the reference.
//
//   node bench/floor-w3.js [ROUNDS=9]
//
// Also printed: per way, how many exchanges the I/O thread did not answer within the caller's
// wait (completed through the event loop instead), and the floor's loop turns. It needs
// bench/build/ref, which `npm run bench` builds.
'use strict';
const { spawnSync } = require('node:child_process');
const { closeSync, existsSync, openSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const ref = join(__dirname, 'build', 'ref');
const ROUNDS = Number(process.argv[2] || 9);
const N = 1000;

if (process.env.NETNS_LINK_BENCH_INSIDE !== '1') {
  if (process.getuid() !== 0) throw new Error('needs root (it adds addresses inside its own sandbox)');
  if (!existsSync(ref)) throw new Error(`${ref} is missing: npm run bench builds it`);
  const r = spawnSync('unshare', ['--net', '--', process.execPath, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NETNS_LINK_BENCH_INSIDE: '1' },
  });
  process.exit(r.status ?? 1);
}

const { Netns } = require(root);
const { native } = require(join(root, 'dist', 'native.js'));
const { encodeNewAddress, encodeDelAddress } = require(join(root, 'dist', 'wire', 'address.js'));
const { parsePrefix } = require(join(root, 'dist', 'wire', 'ip.js'));
const { median, ratioTo } = require('./readme.js');

const text = Array.from({ length: N }, (_, i) => `198.19.${i >> 8}.${i & 255}/32`);
const encode = (p, index, del) =>
  del
    ? encodeDelAddress({ af: 2, prefixLength: p.prefixLength, index, local: p.bytes })
    : encodeNewAddress({ af: 2, prefixLength: p.prefixLength, index, local: p.bytes, flags: 0, scope: 0 }, false);

(async () => {
  const ns = Netns.current();
  await ns.setUp('lo');
  const nsfd = openSync('/proc/self/ns/net', 'r');
  const sock = await native.socketOpen(nsfd, 0);
  closeSync(nsfd);
  const encoded = [false, true].map((del) => text.map((t) => encode(parsePrefix(t), 1, del)));
  let seq = 1;
  let turns = 0;
  let turnMs = 0;
  const ways = {
    async raw(del) {
      for (const m of encoded[del ? 1 : 0]) {
        m.writeUInt32LE(seq++, 8);
        const answer = native.transactQuick(sock.fd, sock.portid, m);
        if (answer !== true && !Buffer.isBuffer(answer)) await answer;
      }
    },
    async floor(del) {
      let stretch = performance.now();
      for (const t of text) {
        if (performance.now() - stretch > 1) {
          const t0 = performance.now();
          await new Promise((r) => setImmediate(r));
          stretch = performance.now();
          turnMs += stretch - t0;
          turns++;
        }
        await new Promise((resolve, reject) => {
          const m = encode(parsePrefix(t), native.ifindex(sock.fd, 'lo'), del);
          m.writeUInt32LE(seq++, 8);
          const answer = native.transactQuick(sock.fd, sock.portid, m);
          if (answer === true || Buffer.isBuffer(answer)) resolve(answer);
          else answer.then(resolve, reject);
        });
      }
    },
    async lib(del) {
      for (const t of text) await (del ? ns.deleteAddress('lo', t) : ns.addAddress('lo', t));
    },
  };
  const us = { C: [[], []] };
  const deferred = {};
  for (const w of Object.keys(ways)) {
    us[w] = [[], []];
    deferred[w] = [0, 0];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [w, run] of Object.entries(ways)) {
      for (const del of [false, true]) {
        const before = native.stats().quickDeferred;
        const t0 = process.hrtime.bigint();
        await run(del);
        us[w][del ? 1 : 0].push(Number(process.hrtime.bigint() - t0) / 1e3 / N);
        deferred[w][del ? 1 : 0] += native.stats().quickDeferred - before;
      }
    }
    const c = JSON.parse(spawnSync(ref, ['w3', '/proc/self/ns/net', String(N)], { encoding: 'utf8' }).stdout);
    us.C[0].push(c.add_us / N);
    us.C[1].push(c.del_us / N);
  }
  // The benchmark's own ratio: the median of the rounds' ratios, with their lowest and highest.
  const cell = (w, k) => {
    const { ratio, range } = ratioTo({ reps: us[w][k] }, { reps: us.C[k] });
    return `${median(us[w][k]).toFixed(1)} µs, ${ratio.toFixed(2)}× C (${range[0].toFixed(2)}–${range[1].toFixed(2)})`;
  };
  console.log(`W3 one at a time, ${ROUNDS} rounds of ${N}, medians (the rounds' own ratios to C, lowest–highest):`);
  for (const w of Object.keys(ways)) {
    console.log(`  ${w.padEnd(5)} add ${cell(w, 0)}; delete ${cell(w, 1)}; answered through the event loop: ${deferred[w][0]} adds, ${deferred[w][1]} deletes`);
  }
  console.log(`  C     add ${median(us.C[0]).toFixed(1)} µs; delete ${median(us.C[1]).toFixed(1)} µs`);
  console.log(`  the floor's event-loop turns: ${turns}, ${((turnMs / turns) * 1e3).toFixed(0)} µs each`);
  native.close(sock.fd);
})();
