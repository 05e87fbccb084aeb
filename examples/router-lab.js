// Four namespaces, two routers between three subnets, in IPv4 and IPv6: the routing
// tutorial's lab. host1 — r1 — r2 — host2:
//
//   host1 eth0 192.0.2.10/24 2001:db8:1::10/64  —  r1 left 192.0.2.1/24 2001:db8:1::1/64
//   r1 right 198.51.100.1/24 2001:db8:2::1/64   —  r2 left 198.51.100.2/24 2001:db8:2::2/64
//   r2 right 203.0.113.1/24 2001:db8:3::1/64    —  host2 eth0 203.0.113.10/24 2001:db8:3::10/64
//
// The tutorial's steps, for one link and one router (the others alike):
//   ip netns add lab-host1; ip netns add lab-r1
//   ip -n lab-host1 link add eth0 up type veth peer name left netns lab-r1
//   ip -n lab-host1 addr add 192.0.2.10/24 dev eth0; ip -n lab-host1 addr add 2001:db8:1::10/64 dev eth0 nodad
//   ip -n lab-host1 route add default via 192.0.2.1; ip -n lab-host1 -6 route add default via 2001:db8:1::1
//   ip netns exec lab-r1 sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
//   ip -n lab-r1 route add 203.0.113.0/24 via 198.51.100.2; ip -n lab-r1 -6 route add 2001:db8:3::/64 via 2001:db8:2::2
//
// Usage: node examples/router-lab.js [PREFIX]
'use strict';
const { Netns } = require('..');
const { ping } = require('./stand-in.js');

async function main() {
  const prefix = process.argv[2] || 'lab';
  const [host1, r1, r2, host2] = await Promise.all(['host1', 'r1', 'r2', 'host2'].map((n) => Netns.create(`${prefix}-${n}`)));
  const all = [host1, r1, r2, host2];
  try {
    // Links made after this skip IPv6 duplicate address detection, so routers can forward at once.
    await Promise.all(all.map((ns) => ns.sysctl('net.ipv6.conf.default.accept_dad', 0)));
    await Promise.all([
      host1.createVeth('eth0', { peer: 'left', peerNetns: r1, up: true }),
      r1.createVeth('right', { peer: 'left', peerNetns: r2, up: true }),
      r2.createVeth('right', { peer: 'eth0', peerNetns: host2, up: true }),
    ]);
    const addresses = [
      [host1, 'eth0', '192.0.2.10/24', '2001:db8:1::10/64'],
      [r1, 'left', '192.0.2.1/24', '2001:db8:1::1/64'],
      [r1, 'right', '198.51.100.1/24', '2001:db8:2::1/64'],
      [r2, 'left', '198.51.100.2/24', '2001:db8:2::2/64'],
      [r2, 'right', '203.0.113.1/24', '2001:db8:3::1/64'],
      [host2, 'eth0', '203.0.113.10/24', '2001:db8:3::10/64'],
    ];
    await Promise.all(
      addresses.flatMap(([ns, dev, v4, v6]) => [ns.addAddress(dev, v4), ns.addAddress(dev, v6, { noDad: true }), ns.setUp(dev)]),
    );
    for (const r of [r1, r2]) {
      await r.sysctl('net.ipv4.ip_forward', 1);
      await r.sysctl('net.ipv6.conf.all.forwarding', 1);
    }
    await Promise.all([
      host1.addRoute({ to: 'default', via: '192.0.2.1' }),
      host1.addRoute({ to: 'default', via: '2001:db8:1::1' }),
      host2.addRoute({ to: 'default', via: '203.0.113.1' }),
      host2.addRoute({ to: 'default', via: '2001:db8:3::1' }),
      r1.addRoute({ to: '203.0.113.0/24', via: '198.51.100.2' }),
      r1.addRoute({ to: '2001:db8:3::/64', via: '2001:db8:2::2' }),
      r2.addRoute({ to: '192.0.2.0/24', via: '198.51.100.1' }),
      r2.addRoute({ to: '2001:db8:1::/64', via: '2001:db8:2::1' }),
    ]);
    console.log(`host1 route to host2: ${await host1.getRoute('203.0.113.10')}`);
    console.log(`host1 -> host2, IPv4: ${await ping(host1, '203.0.113.10')}`);
    console.log(`host1 -> host2, IPv6: ${await ping(host1, '2001:db8:3::10')}`);
    console.log(`host2 -> host1, IPv4: ${await ping(host2, '192.0.2.10')}`);
  } finally {
    await Promise.all(all.map((ns) => ns.delete()));
  }
}
main();
