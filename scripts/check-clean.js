// Run around the test suite: `snapshot` before, `check` after. Fails if a test namespace, a
// host link, CNI state in the host's /var/lib/cni or a stand-in container process was left behind.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const PREFIX = 'nlt-';
const SLEEP_MARK = '86399';
const file = join(tmpdir(), `netns-link-host-links-${process.getuid()}.json`);
const hostLinks = () => JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })).map((l) => l.ifname).sort();
// Where CNI plugins keep state by default (host-local's leases, libcni's cache, ours without
// dataDir): the tests must keep theirs inside their sandboxes.
const CNI_STATE = '/var/lib/cni';
const cniState = () => (existsSync(CNI_STATE) ? readdirSync(CNI_STATE, { recursive: true }).map(String).sort() : []);

if (process.argv[2] === 'snapshot') {
  writeFileSync(file, JSON.stringify({ links: hostLinks(), cni: cniState() }));
  process.exit(0);
}

const problems = [];
const left = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(PREFIX)) : [];
if (left.length) problems.push(`test namespaces left in /run/netns: ${left.join(' ')}`);
const before = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
const now = hostLinks();
if (before && JSON.stringify(before.links) !== JSON.stringify(now)) {
  problems.push(`host links changed: before ${before.links.join(' ')}; after ${now.join(' ')}`);
}
const cniNow = cniState();
if (before && JSON.stringify(before.cni) !== JSON.stringify(cniNow)) {
  problems.push(`the host's ${CNI_STATE} changed: before [${before.cni.join(' ')}]; after [${cniNow.join(' ')}]`);
}
const sleepers = readdirSync('/proc').filter((p) => /^\d+$/u.test(p)).filter((p) => {
  try {
    return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${SLEEP_MARK}`;
  } catch {
    return false;
  }
});
if (sleepers.length) problems.push(`stand-in container processes left: ${sleepers.join(' ')}`);

if (problems.length) {
  for (const p of problems) console.error(`check-clean: ${p}`);
  process.exit(1);
}
console.log(`check-clean: no test namespace, host link, CNI state or process left (host links: ${now.join(' ')})`);
