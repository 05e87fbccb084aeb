// W1, N hosts on one bridged segment, as netns-link is measured making it: the hub (the
// sandbox's own namespace, its bridge br0 with 198.18.0.1/15 and 2001:db8::1/64), and per host
// a namespace, a veth on the bridge with its peer eth0 placed in the host, and five requests
// (lo up, eth0 up, an IPv4 and an IPv6 address, the default route). A Linux bridge takes at
// most 1,024 ports (BR_MAX_PORTS: the next veth is refused with EXFULL), so hosts go 1,000 to a
// bridge: hosts 0-999 on br0, 1000-1999 on br1, and so on, each further bridge joined to br0 by
// a veth pair of the hub's (j<k> on br0, its peer on br<k>), made with the hub, untimed: one
// segment, one subnet, at every N. The two forms written with the library, shared by
// bench/run.js and bench/profile-w1.js.
'use strict';
const { join } = require('node:path');

const { Netns } = require(join(__dirname, '..'));

/** Per host: netns add, veth (peer placed, on the bridge, up), lo up, eth0 up, 2 addresses, default route. */
const W1_OPS = 7;
const v4 = (i) => `198.18.${(i + 2) >> 8}.${(i + 2) & 255}`;
const v6 = (i) => `2001:db8::${(i + 2).toString(16)}`;

/** Hosts per bridge (bench/ref.c, bench/go/main.go and bench/pyroute2_bench.py say the same). */
const PORTS_PER_BRIDGE = 1000;
/** The bridge host i's veth goes on. */
const bridgeOf = (i) => `br${Math.floor(i / PORTS_PER_BRIDGE)}`;
/** How many bridges N hosts take. */
const bridgesFor = (n) => Math.max(1, Math.ceil(n / PORTS_PER_BRIDGE));

/** The hub's side, made once for every tool: br0, and the further bridges N hosts need (joined to br0). */
async function setUpHub(h, n = 0) {
  const have = new Set((await h.links()).map((l) => l.name));
  if (!have.has('br0')) {
    await h.setUp('lo');
    await h.createBridge('br0', { up: true });
    await h.addAddress('br0', '198.18.0.1/15');
    await h.addAddress('br0', '2001:db8::1/64', { noDad: true });
  }
  for (let k = 1; k < bridgesFor(n); k++) {
    if (have.has(`br${k}`)) continue;
    await h.createBridge(`br${k}`, { up: true });
    await h.createVeth(`j${k}`, { peer: `j${k}b`, master: 'br0', up: true });
    await h.setLink(`j${k}b`, { master: `br${k}`, up: true });
  }
}

/** Removes what setUpHub added past br0 (the joins and further bridges): the workloads after W1 count the hub's veths. */
async function tearDownHub(h) {
  const extra = (await h.links()).filter((l) => /^(j[1-9]\d*|br[1-9]\d*)$/u.test(l.name));
  // A join's peer goes with it.
  for (const l of extra.filter((x) => x.name.startsWith('j'))) await h.deleteLink(l.name);
  for (const l of extra.filter((x) => x.name.startsWith('br'))) await h.deleteLink(l.name);
}

const veth = (h, ns, i) => h.createVeth(`v${i}`, { peer: 'eth0', peerNetns: ns, master: bridgeOf(i), up: true });

/** Host i's five requests once its veth is there, each made when called. */
const hostSteps = (ns, i) => [
  () => ns.setUp('lo'),
  () => ns.setUp('eth0'),
  () => ns.addAddress('eth0', `${v4(i)}/15`),
  () => ns.addAddress('eth0', `${v6(i)}/64`, { noDad: true }),
  () => ns.addRoute({ to: 'default', via: '198.18.0.1' }),
];

/**
 * The code people write: each host an async function awaiting its steps in order, all hosts
 * started at once. `mark(k)` after each host's step k (0 its namespace, 1 its veth, 2-6 the
 * five requests). Resolves with the hosts' namespaces.
 */
function chained(h, n, mark = () => undefined) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ns = await Netns.create(`h${i}`);
      mark(0);
      await veth(h, ns, i);
      mark(1);
      let k = 2;
      for (const step of hostSteps(ns, i)) {
        await step();
        mark(k++);
      }
      return ns;
    }),
  );
}

/** The same requests in three phases, each a Promise.all; `mark(k)` after phase k. */
async function phased(h, n, mark = () => undefined) {
  const hosts = await Promise.all(Array.from({ length: n }, (_, i) => Netns.create(`h${i}`)));
  mark(0);
  await Promise.all(hosts.map((ns, i) => veth(h, ns, i)));
  mark(1);
  await Promise.all(hosts.flatMap((ns, i) => hostSteps(ns, i).map((step) => step())));
  mark(2);
  return hosts;
}

module.exports = { W1_OPS, bridgeOf, bridgesFor, v4, v6, setUpHub, tearDownHub, chained, phased };
