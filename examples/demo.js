// The first tutorial's network, built by netns-link: two stations on a virtual cable.
//
//   stationA (a named namespace)  veth0 192.0.2.78/24 ──── veth1 192.0.2.48/24  container (by pid)
//
// The "container" is a process started with `unshare -n sleep`, standing in for what
// `docker inspect -f '{{.State.Pid}}'` would name. Pings run inside each namespace through
// ns.exec, as `ip netns exec` would run them.
//
// Usage: npm run demo [-- NAME]   (NAME defaults to stationA; it must not exist yet)
'use strict';
const { Netns } = require('..');
const { ping, startContainer } = require('./stand-in.js');

const name = process.argv[2] || 'stationA';
const t0 = process.hrtime.bigint();
const ms = () => (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1).padStart(7);
const say = (text) => console.log(`${ms()} ms  ${text}`);

async function main() {
  const made = [];
  let container;
  try {
    const a = await Netns.create(name);
    made.push(a);
    say(`${'Netns.create'.padEnd(16)} ${a.name} (inode ${a.inode})   # ip netns add ${name}`);
    container = await startContainer();
    const b = await Netns.fromPid(container.pid);
    made.push(b);
    say(`${'Netns.fromPid'.padEnd(16)} ${container.pid} (inode ${b.inode})   # /proc/${container.pid}/ns/net`);

    await a.createVeth('veth0', { peer: 'veth1', peerNetns: b, up: true });
    say(`${'createVeth'.padEnd(16)} veth0 in ${name}, veth1 in pid ${container.pid}   # ip link add veth0 up type veth peer name veth1 netns ...`);
    await Promise.all([a.addAddress('veth0', '192.0.2.78/24'), b.addAddress('veth1', '192.0.2.48/24'), b.setUp('veth1'), a.setUp('lo'), b.setUp('lo')]);
    say(`${'addAddress/setUp'.padEnd(16)} 192.0.2.78/24 on veth0, 192.0.2.48/24 on veth1, all up`);

    for (const [ns, ifname] of [[a, 'veth0'], [b, 'veth1']]) {
      const [link, [addr]] = await Promise.all([ns.link(ifname), ns.addresses({ ifname, family: 4 })]);
      say(`${'link'.padEnd(16)} ${ns}: ${ifname} ${link.address} ${addr.cidr} state ${link.operstate}`);
    }
    say(`ping A -> B      ${await ping(a, '192.0.2.48')}`);
    say(`ping B -> A      ${await ping(b, '192.0.2.78')}`);
  } finally {
    for (const ns of made.reverse()) await ns.delete();
    if (container) container.kill('SIGKILL');
    say(`removed          netns ${name} (with veth0; veth1 went with it), the stand-in container`);
  }
}

main().catch((e) => {
  console.error(`demo failed: ${e.message}`);
  process.exitCode = 1;
});
