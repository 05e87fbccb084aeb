// A bridge with two hosts behind it: each host a namespace with one end of a veth pair, the
// other end a port of the bridge in a third namespace. The tutorial's steps:
//
//   ip netns add lab-br; ip netns add lab-h1; ip netns add lab-h2
//   ip -n lab-br link add br0 up type bridge
//   ip -n lab-br link add p1 master br0 up type veth peer name eth0 netns lab-h1
//   ip -n lab-br link add p2 master br0 up type veth peer name eth0 netns lab-h2
//   ip -n lab-h1 addr add 198.51.100.1/24 dev eth0; ip -n lab-h1 link set eth0 up
//   ip -n lab-h2 addr add 198.51.100.2/24 dev eth0; ip -n lab-h2 link set eth0 up
//   ip netns exec lab-h1 ping 198.51.100.2
//
// Usage: node examples/bridge-two-hosts.js [PREFIX]
'use strict';
const { Netns } = require('..');
const { ping } = require('./stand-in.js');

async function main() {
  const prefix = process.argv[2] || 'lab';
  const [br, h1, h2] = await Promise.all(['br', 'h1', 'h2'].map((n) => Netns.create(`${prefix}-${n}`)));
  try {
    await br.createBridge('br0', { up: true });
    // Each peer is created directly in its host's namespace, in the same request as its port.
    await Promise.all([
      br.createVeth('p1', { peer: 'eth0', peerNetns: h1, master: 'br0', up: true }),
      br.createVeth('p2', { peer: 'eth0', peerNetns: h2, master: 'br0', up: true }),
    ]);
    await Promise.all([
      h1.addAddress('eth0', '198.51.100.1/24'),
      h2.addAddress('eth0', '198.51.100.2/24'),
      h1.setUp('eth0'),
      h2.setUp('eth0'),
    ]);
    const ports = (await br.links()).filter((l) => l.master !== null).map((l) => l.name);
    console.log(`bridge ports: ${ports.sort().join(' ')}`);
    console.log(`h1 -> h2: ${await ping(h1, '198.51.100.2')}`);
    console.log(`h2 -> h1: ${await ping(h2, '198.51.100.1')}`);
  } finally {
    await Promise.all([br, h1, h2].map((ns) => ns.delete()));
  }
}
main();
