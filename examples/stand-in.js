// A stand-in for a container, for the examples: a process in a network namespace of its own,
// as `unshare -n sleep 1000` makes and as `docker inspect -f '{{.State.Pid}}'` would name.
'use strict';
const { spawn } = require('node:child_process');
const { readlinkSync } = require('node:fs');

/** Starts one and resolves once it is inside its own namespace (until then it is in ours). */
async function startContainer() {
  const child = spawn('unshare', ['-n', 'sleep', '1000'], { stdio: 'ignore' });
  const host = readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 400; i++) {
    try {
      if (readlinkSync(`/proc/${child.pid}/ns/net`) !== host) return child;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  throw new Error('the stand-in container never entered its own namespace');
}

/** The first reply line of a ping from inside `ns`, or why there was none. */
async function ping(ns, address, args = []) {
  try {
    const { stdout } = await ns.exec('ping', [...args, '-c', '2', '-i', '0.2', '-W', '1', address]);
    return stdout.split('\n').find((l) => l.includes('bytes from')) || stdout.trim();
  } catch (e) {
    return `no reply (${e.exitCode === 1 ? 'nothing came back' : e.message})`;
  }
}

module.exports = { startContainer, ping };
