// Network sysctls of a namespace, with sysctl(8)'s syntax for names that hold dots, checked
// against /proc/sys as `ip netns exec` shows it; the host's own are never touched.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { namedNetns } from './helpers';

const inside = (ns: Netns, path: string): string => execFileSync('ip', ['netns', 'exec', ns.name!, 'cat', `/proc/sys/${path}`], { encoding: 'utf8' }).trim();

t.test('interface names with dots and non-ASCII: both of sysctl(8)\'s spellings reach them', async (t) => {
  const [a] = (await namedNetns(t, 'sysctl')) as [Netns];
  await a.createVeth('v.100', { peer: 'vé' });
  const host = readFileSync('/proc/sys/net/ipv4/conf/all/forwarding', 'utf8');
  t.equal(await a.sysctl('net.ipv4.conf.v/100.forwarding'), '0', 'a / in a dotted key is a dot in the name');
  await a.sysctl('net.ipv4.conf.v/100.forwarding', 1);
  t.equal(inside(a, 'net/ipv4/conf/v.100/forwarding'), '1', 'written where sysctl(8) would write it');
  t.equal(await a.sysctl('net/ipv4/conf/v.100/forwarding'), '1', 'a key that starts with / separators is a path, its dots literal');
  await a.sysctl('net.ipv4.conf.vé.forwarding', '1');
  t.equal(inside(a, 'net/ipv4/conf/vé/forwarding'), '1', 'a non-ASCII name');
  t.equal(await a.sysctl('net.ipv4.conf.v/100.forwarding'), '1');
  t.equal(readFileSync('/proc/sys/net/ipv4/conf/all/forwarding', 'utf8'), host, 'the host is untouched');
});

t.test('a read-only entry says so, an unknown one says so, and a refused value names itself', async (t) => {
  const [a] = (await namedNetns(t, 'sysctlro')) as [Netns];
  await t.rejects(a.sysctl('net.core.rmem_default', 1), { code: 'EACCES', message: /net\.core\.rmem_default is read-only/ });
  t.match(await a.sysctl('net.core.rmem_default'), /^\d+$/, 'and reads');
  await t.rejects(a.sysctl('net.ipv4.no_such_knob'), { code: 'ENOENT', op: 'sysctl', message: /no sysctl net\.ipv4\.no_such_knob/ });
  await t.rejects(a.sysctl('net.ipv4.ip_forward', 'yes'), { code: 'EINVAL', message: /refused "yes" for net\.ipv4\.ip_forward/ });
  t.equal(await a.sysctl('net.ipv4.ip_forward'), '0', 'unchanged');
});
