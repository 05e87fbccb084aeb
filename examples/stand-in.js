// A stand-in for a container, for the examples: a process in a network namespace of its own,
// as `unshare -n sleep 1000` makes and as `docker inspect -f '{{.State.Pid}}'` would name.
'use strict';
const { spawn } = require('node:child_process');
const { readlinkSync } = require('node:fs');

/**
 * Starts one and resolves once it is inside its own namespace (until then it is in ours). A
 * new namespace can wait seconds for the kernel's rtnl lock while other namespaces are being
 * torn down, so the wait is long; it ends early with the reason if unshare itself fails.
 */
async function startContainer(deadlineMs = 30000) {
  const child = spawn('unshare', ['-n', 'sleep', '1000'], { stdio: 'ignore' });
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal || `exit code ${code}`));
  child.once('error', (e) => (exited = e.message));
  const host = readlinkSync('/proc/self/ns/net');
  const end = Date.now() + deadlineMs;
  while (exited === null && Date.now() < end) {
    try {
      if (readlinkSync(`/proc/${child.pid}/ns/net`) !== host) return child;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  throw new Error(
    exited === null
      ? `the stand-in container never entered its own namespace in ${deadlineMs} ms`
      : `unshare -n sleep 1000 failed: ${exited}`,
  );
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
