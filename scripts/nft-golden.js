#!/usr/bin/env node
// Captures what `nft` itself sends for the NAT rules netns-link makes, as golden bytes for
// test/wire-nft.test.ts: each case runs `nft -f` in a throwaway network namespace
// (`unshare -n`) under `strace -e write=all`, and the nf_tables messages of its batch are kept.
//
//   node scripts/nft-golden.js          rewrites test/fixtures/nft-golden.json
//   node scripts/nft-golden.js --check  exits 1 if nft here sends other bytes than the file holds
//
// Needs root, nft and strace. test/wire-nft.test.ts runs the --check side itself when it can.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const fixture = join(__dirname, '..', 'test', 'fixtures', 'nft-golden.json');

const T = 'inet netns_link';
/** The chains netns-link makes, as nft writes them. */
const chains = [
  `add table ${T}`,
  `add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
  `add chain ${T} output { type nat hook output priority -100; policy accept; }`,
  `add chain ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
];

/** Each case: the library call it stands for, and the nft rule that does the same. */
const cases = [
  { call: { masquerade: { from: '192.0.2.0/24', out: 'eth0' } }, nft: `add rule ${T} postrouting ip saddr 192.0.2.0/24 oifname "eth0" masquerade` },
  { call: { masquerade: { from: '192.0.2.0/23' } }, nft: `add rule ${T} postrouting ip saddr 192.0.2.0/23 masquerade` },
  { call: { masquerade: { from: '192.0.2.7/32' } }, nft: `add rule ${T} postrouting ip saddr 192.0.2.7 masquerade` },
  { call: { masquerade: { from: '0.0.0.0/0', out: 'up0' } }, nft: `add rule ${T} postrouting meta nfproto ipv4 oifname "up0" masquerade` },
  { call: { masquerade: { from: '2001:db8:1::/64' } }, nft: `add rule ${T} postrouting ip6 saddr 2001:db8:1::/64 masquerade` },
  { call: { masquerade: { from: '2001:db8::/29', out: 'up0' } }, nft: `add rule ${T} postrouting ip6 saddr 2001:db8::/29 oifname "up0" masquerade` },
  // As the CNI bridge plugin's ipMasq: the network itself and multicast keep their source.
  { call: { masquerade: { from: '198.18.5.2/32', notTo: ['198.18.5.0/24', '224.0.0.0/4'] } }, nft: `add rule ${T} postrouting ip saddr 198.18.5.2 ip daddr != 198.18.5.0/24 ip daddr != 224.0.0.0/4 masquerade` },
  { call: { masquerade: { from: '2001:db8::2/128', notTo: ['2001:db8::/64', 'ff00::/8'], out: 'eth0' } }, nft: `add rule ${T} postrouting ip6 saddr 2001:db8::2 ip6 daddr != 2001:db8::/64 ip6 daddr != ff00::/8 oifname "eth0" masquerade` },
  {
    call: { forwardPort: { protocol: 'tcp', port: 80, to: '192.0.2.10', toPort: 8080, in: 'up0', destination: '198.51.100.1' } },
    nft: `add rule ${T} prerouting iifname "up0" meta nfproto ipv4 ip daddr 198.51.100.1 meta l4proto tcp tcp dport 80 dnat ip to 192.0.2.10:8080`,
  },
  {
    call: { forwardPort: { protocol: 'udp', port: 53, to: '192.0.2.10' } },
    nft: `add rule ${T} prerouting meta nfproto ipv4 fib daddr type local meta l4proto udp udp dport 53 dnat ip to 192.0.2.10`,
    output: `add rule ${T} output meta nfproto ipv4 fib daddr type local meta l4proto udp udp dport 53 dnat ip to 192.0.2.10`,
  },
  {
    call: { forwardPort: { protocol: 'tcp', port: 443, to: '2001:db8:1::10', toPort: 8443, destination: '2001:db8:2::1' } },
    nft: `add rule ${T} prerouting meta nfproto ipv6 ip6 daddr 2001:db8:2::1 meta l4proto tcp tcp dport 443 dnat ip6 to [2001:db8:1::10]:8443`,
    output: `add rule ${T} output meta nfproto ipv6 ip6 daddr 2001:db8:2::1 meta l4proto tcp tcp dport 443 dnat ip6 to [2001:db8:1::10]:8443`,
  },
];

/** The nf_tables messages of the batch nft sent for `script` (header flags and seq dropped). */
function capture(script) {
  const dir = mkdtempSync(join(tmpdir(), 'nft-golden-'));
  try {
    const file = join(dir, 'rules.nft');
    writeFileSync(file, `${script.join('\n')}\n`);
    const r = spawnSync('unshare', ['-n', 'strace', '-e', 'trace=sendmsg', '-e', 'write=all', 'nft', '-f', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nft failed (${r.status}): ${r.stderr.slice(-400)}`);
    // Each sendmsg is followed by its hex dump: " | 00000  14 00 ... |".
    const dumps = [];
    for (const line of r.stderr.split('\n')) {
      const m = /^ \| ([0-9a-f]{5})  /u.exec(line);
      if (!m) continue;
      if (m[1] === '00000') dumps.push([]);
      // The hex column is 16 bytes wide (49 characters); the ASCII column follows it.
      dumps.at(-1).push(...(line.slice(m[0].length, m[0].length + 49).match(/[0-9a-f]{2}/gu) ?? []));
    }
    const batch = dumps.map((d) => Buffer.from(d.join(''), 'hex')).find((b) => b.readUInt16LE(4) === 0x10);
    if (!batch) throw new Error('nft sent no batch');
    const messages = [];
    for (let at = 0; at + 16 <= batch.length; ) {
      const len = batch.readUInt32LE(at);
      const type = batch.readUInt16LE(at + 4);
      if (type !== 0x10 && type !== 0x11) messages.push({ type, body: batch.subarray(at + 16, at + len).toString('hex') });
      at += (len + 3) & ~3;
    }
    return messages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function build() {
  const out = { nft: spawnSync('nft', ['--version'], { encoding: 'utf8' }).stdout.trim(), chains: capture(chains), cases: [] };
  for (const c of cases) {
    const script = [...chains, c.nft, ...(c.output ? [c.output] : [])];
    const rules = capture(script).slice(out.chains.length);
    out.cases.push({ ...c, rules });
  }
  return out;
}

const fresh = build();
if (process.argv.includes('--check')) {
  const saved = JSON.parse(readFileSync(fixture, 'utf8'));
  const same = JSON.stringify(saved.chains) === JSON.stringify(fresh.chains) && JSON.stringify(saved.cases) === JSON.stringify(fresh.cases);
  console.log(same ? `nft-golden: ${fresh.nft} sends the saved bytes` : `nft-golden: ${fresh.nft} sends other bytes than ${fixture} (saved from ${saved.nft})`);
  process.exit(same ? 0 : 1);
}
writeFileSync(fixture, `${JSON.stringify(fresh, null, 1)}\n`);
console.log(`nft-golden: ${fresh.cases.length} cases from ${fresh.nft} written to ${fixture}`);
