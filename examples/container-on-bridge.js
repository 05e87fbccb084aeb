// A container wired to a bridge: a veth from the bridge into the container's namespace, renamed
// eth1 there, addressed, with a default route through the bridge. The tutorial's steps:
//
//   ip netns add lab-switch
//   ip -n lab-switch link add br0 up type bridge
//   ip -n lab-switch addr add 203.0.113.1/24 dev br0
//   pid=$(docker inspect -f '{{.State.Pid}}' app)          # here: a stand-in container
//   ip -n lab-switch link add veth-app master br0 up type veth peer name tmp-app
//   ip -n lab-switch link set tmp-app netns /proc/$pid/ns/net name eth1
//   nsenter -t $pid -n ip addr add 203.0.113.10/24 dev eth1
//   nsenter -t $pid -n ip link set eth1 up
//   nsenter -t $pid -n ip route add default via 203.0.113.1
//
// Usage: node examples/container-on-bridge.js [PREFIX]   (namespaces are named PREFIX-...)
'use strict';
const { Netns } = require('..');
const { ping, startContainer } = require('./stand-in.js');

async function main() {
  const prefix = process.argv[2] || 'lab';
  const box = await startContainer();
  const sw = await Netns.create(`${prefix}-switch`);
  const app = await Netns.fromPid(box.pid); // or: await Netns.fromContainer('app')
  try {
    await sw.createBridge('br0', { up: true });
    await sw.addAddress('br0', '203.0.113.1/24');
    await sw.createVeth('veth-app', { peer: 'tmp-app', master: 'br0', up: true });
    await sw.moveToNetns('tmp-app', app, { name: 'eth1' });
    await app.addAddress('eth1', '203.0.113.10/24');
    await app.setUp('eth1');
    await app.addRoute({ to: 'default', via: '203.0.113.1' });
    const [addr] = await app.addresses({ ifname: 'eth1', family: 4 });
    const [route] = (await app.routes({ family: 4 })).filter((r) => r.to === 'default');
    console.log(`container: ${addr.cidr} on eth1, ${route}`);
    console.log(`container -> bridge: ${await ping(app, '203.0.113.1')}`);
    console.log(`bridge -> container: ${await ping(sw, '203.0.113.10')}`);
  } finally {
    app.close();
    await sw.delete(); // veth-app goes with it, and so does its peer, eth1
    box.kill();
  }
}
main();
