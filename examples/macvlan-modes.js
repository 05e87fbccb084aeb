// macvlan modes, the tutorial with `unshare -n` and a veth as the parent: two containers, each
// with a macvlan on the same parent created directly in its namespace. In bridge mode they
// reach each other; in private mode they do not; in vepa mode traffic goes out to the "switch"
// (the veth's other end) and, as it does not hairpin, does not come back.
//
//   ip netns add lab-hub
//   ip -n lab-hub link add p0 up type veth peer name p1; ip -n lab-hub link set p1 up
//   pid1=$(unshare -n sleep 1000 & echo $!); pid2=...      # two stand-in containers
//   ip -n lab-hub link add link p0 name mv1 netns /proc/$pid1/ns/net type macvlan mode bridge
//   nsenter -t $pid1 -n ip addr add 192.0.2.1/24 dev mv1; nsenter -t $pid1 -n ip link set mv1 up
//   ...the same for mv2 in $pid2, 192.0.2.2/24
//   nsenter -t $pid1 -n ping 192.0.2.2
//   ip -n lab-hub ... cannot reach it: nsenter -t $pid1 -n ip link set mv1 type macvlan mode private
//
// Usage: node examples/macvlan-modes.js [PREFIX]
'use strict';
const { Netns } = require('..');
const { ping, startContainer } = require('./stand-in.js');

async function main() {
  const prefix = process.argv[2] || 'lab';
  const boxes = await Promise.all([startContainer(), startContainer()]);
  const hub = await Netns.create(`${prefix}-hub`);
  const [c1, c2] = await Promise.all(boxes.map((b) => Netns.fromPid(b.pid)));
  try {
    await hub.createVeth('p0', { peer: 'p1', up: true });
    await hub.setUp('p1');
    await hub.createMacvlan('mv1', { parent: 'p0', mode: 'bridge', netns: c1 });
    await hub.createMacvlan('mv2', { parent: 'p0', mode: 'bridge', netns: c2 });
    await Promise.all([c1.addAddress('mv1', '192.0.2.1/24'), c2.addAddress('mv2', '192.0.2.2/24'), c1.setUp('mv1'), c2.setUp('mv2')]);
    for (const mode of ['bridge', 'private', 'vepa']) {
      await c1.setLinkType('mv1', { kind: 'macvlan', mode });
      await c2.setLinkType('mv2', { kind: 'macvlan', mode });
      const info = (await c1.link('mv1')).info;
      console.log(`${mode.padEnd(8)} (read back: ${info.mode}): ${await ping(c1, '192.0.2.2')}`);
    }
  } finally {
    c1.close();
    c2.close();
    await hub.delete();
    for (const b of boxes) b.kill();
  }
}
main();
