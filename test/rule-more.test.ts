// Policy routing rules with the rest of what `ip rule` takes: not, tos, ipproto, port and uid
// ranges, suppressors, realms, protocol, l3mdev, goto (and unresolved targets), flush; as
// `ip -j rule` and `ip rule show` see them, the lookups they steer, and the kernel's refusals.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import type { Netns, Rule } from '../dist/index.js';
import { ipJson, namedNetns, twoLinks } from './helpers';

/** What ip -j rule says of a rule, in this library's words. */
function fromIp(r: any): Partial<Rule> {
  const range = (a: string): { start: number; end: number } | null =>
    r[`${a}_start`] !== undefined ? { start: r[`${a}_start`], end: r[`${a}_end`] } : r[a] !== undefined ? { start: r[a], end: r[a] } : null;
  return {
    priority: r.priority,
    invert: 'not' in r,
    from: r.src === 'all' ? 'all' : `${r.src}/${r.srclen ?? (String(r.src).includes(':') ? 128 : 32)}`,
    to: r.dst === undefined ? 'all' : `${r.dst}/${r.dstlen}`,
    tos: r.tos === undefined ? 0 : /^0x/u.test(r.tos) ? Number(r.tos) : ({ CS1: 0x20, AF11: 0x28 } as Record<string, number>)[r.tos]!,
    fwmark: r.fwmark === undefined ? null : Number(r.fwmark),
    iif: r.iif ?? null,
    oif: r.oif ?? null,
    ipProto: r.ipproto === undefined ? null : /^ipproto-/u.test(r.ipproto) ? Number(r.ipproto.slice(8)) : r.ipproto,
    sport: range('sport'),
    dport: range('dport'),
    uidRange: r.uid_start === undefined ? null : { start: r.uid_start, end: r.uid_end },
    l3mdev: 'l3mdev' in r,
    suppressPrefixLength: r.suppress_prefixlen ?? null,
    suppressIfgroup: r.suppress_ifgroup === undefined ? null : Number(r.suppress_ifgroup),
    realm: r.flow_to === undefined ? null : Number(r.flow_to),
    goto: r.goto ?? null,
  };
}

/** `ip rule show` as text, one line per rule. */
function ipText(ns: string, ...args: string[]): string[] {
  return execFileSync('ip', ['-n', ns, ...args, 'rule', 'show'], { encoding: 'utf8' }).split('\n').map((l) => l.trimEnd()).filter(Boolean);
}

t.test('every selector and action ip rule takes, read back as ip -j rule shows it', async (t) => {
  const [a] = (await namedNetns(t, 'rulex')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1' });
  await a.addRule({
    priority: 5, invert: true, from: '10.0.0.0/8', to: '10.1.0.0/16', tos: 0x10, fwmark: 5, fwmask: 0xff, iif: 'eth0', oif: 'eth1',
    ipProto: 'tcp', sport: { start: 1000, end: 2000 }, dport: 80, uidRange: { start: 100, end: 200 },
    table: 100, suppressPrefixLength: 0, suppressIfgroup: 3, realm: 4, sourceRealm: 3, protocol: 'static',
  });
  await a.addRule({ priority: 3, goto: 50 });
  await a.addRule({ priority: 50, action: 'nop' });
  await a.addRule({ priority: 51, action: 'blackhole' });
  await a.addRule({ priority: 53, ipProto: 'udp', dport: 53, action: 'prohibit' });
  await a.addRule({ priority: 54, l3mdev: true });
  await a.addRule({ priority: 55, iif: 'nosuch', table: 7 });
  await a.addRule({ priority: 56, realm: 9, table: 8 });
  await a.addRule({ priority: 57, ipProto: 200, table: 9 });
  await a.addRule({ priority: 58, goto: 5000 });
  await a.addRule({ priority: 60, family: 6, from: '2001:db8::/32', tos: 0x20, ipProto: 'ipv6-icmp', table: 61 });

  const ip4 = ipJson(a.name!, '-4', 'rule', 'show');
  const ours4 = await a.rules({ family: 4 });
  t.same(ours4.map((r) => r.priority), ip4.map((r: any) => r.priority), 'the same rules as ip -4 rule');
  for (const r of ip4) t.match(ours4.find((x) => x.priority === r.priority), fromIp(r), `pref ${r.priority}`);
  const five = ours4.find((r) => r.priority === 5)!;
  t.match(five, { invert: true, table: 100, sourceRealm: 3, protocol: 'static', fwmask: 0xff, action: 'table' });
  t.equal(ip4.find((r: any) => r.priority === 5).protocol, 'static');
  t.equal(ip4.find((r: any) => r.priority === 5).flow_from, '3');
  t.match(ours4.find((r) => r.priority === 3), { action: 'goto', goto: 50, table: null, unresolved: false });
  t.match(ours4.find((r) => r.priority === 58), { action: 'goto', goto: 5000, unresolved: true });
  t.ok('unresolved' in ip4.find((r: any) => r.priority === 58), 'ip says unresolved too');
  t.match(ours4.find((r) => r.priority === 54), { l3mdev: true, table: null, action: 'table' });
  t.match(ours4.find((r) => r.priority === 55), { iif: 'nosuch', iifDetached: true });
  t.ok('iif_detached' in ip4.find((r: any) => r.priority === 55));
  t.match(ours4.find((r) => r.priority === 0), { protocol: 'kernel', suppressPrefixLength: null, suppressIfgroup: null });
  t.same(ours4.map(String), ipText(a.name!, '-4'), 'toString is what ip rule show prints');

  const ip6 = ipJson(a.name!, '-6', 'rule', 'show');
  const ours6 = await a.rules({ family: 6 });
  t.match(ours6.find((r) => r.priority === 60), fromIp(ip6.find((r: any) => r.priority === 60)));
  t.match(ours6.find((r) => r.priority === 60), { tos: 0x20, ipProto: 'ipv6-icmp', from: '2001:db8::/32' });
  t.same(ours6.map(String), ipText(a.name!, '-6'), 'IPv6 too (a TOS by its DS field name, CS1)');

  // A goto's target appears: the rule is resolved.
  await a.addRule({ priority: 5000, action: 'nop' });
  t.notOk((await a.rules({ family: 4 })).find((r) => r.priority === 58)!.unresolved, 'resolved once its target exists');

  // Deletes narrow by what is given.
  await a.deleteRule({ priority: 53, ipProto: 'udp', dport: 53, action: 'prohibit' });
  await a.deleteRule({ priority: 3, goto: 50 });
  await a.deleteRule({ priority: 5, invert: true, from: '10.0.0.0/8', ipProto: 'tcp', sport: { start: 1000, end: 2000 }, uidRange: { start: 100, end: 200 }, table: 100 });
  const left = ipJson(a.name!, '-4', 'rule', 'show').map((r: any) => r.priority);
  t.notOk(left.includes(53) || left.includes(3) || left.includes(5), 'deleted by their selectors');
  await t.rejects(a.deleteRule({ priority: 57, ipProto: 'tcp' }), { code: 'ENOENT' }, 'a selector that does not match deletes nothing');
});

t.test('the selectors steer lookups: tos, ipproto and ports, uids, not, suppress_prefixlength, goto', async (t) => {
  const [a] = (await namedNetns(t, 'rulesteer')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: 'default', via: '192.0.2.1' });
  await a.addRoute({ to: 'default', via: '198.18.0.1', table: 100 });
  await a.addRoute({ to: '203.0.113.0/24', via: '198.18.0.2', table: 200 });
  const via = async (dst: string, opts?: Parameters<Netns['getRoute']>[1]): Promise<string | null> => (await a.getRoute(dst, opts)).gateway;
  t.equal(await via('203.0.113.9'), '192.0.2.1', 'main');

  await a.addRule({ priority: 10, fwmark: 7, table: 100 });
  t.equal(await via('203.0.113.9', { mark: 7 }), '198.18.0.1', 'fwmark 7: table 100');
  await a.deleteRule({ priority: 10 });

  await a.addRule({ priority: 10, invert: true, fwmark: 7, table: 100 });
  t.equal(await via('203.0.113.9', { mark: 7 }), '192.0.2.1', 'not fwmark 7: mark 7 passes to main');
  t.equal(await via('203.0.113.9'), '198.18.0.1', 'everything else to table 100');
  await a.deleteRule({ priority: 10, invert: true, fwmark: 7 });

  // Suppress the default route of table 100: only longer prefixes there count.
  await a.addRule({ priority: 11, table: 100, suppressPrefixLength: 0 });
  t.equal(await via('203.0.113.9'), '192.0.2.1', 'a default route of table 100 is suppressed');
  await a.deleteRule({ priority: 11 });

  // goto skips the rules between.
  await a.addRule({ priority: 20, goto: 40 });
  await a.addRule({ priority: 30, table: 100 });
  await a.addRule({ priority: 40, table: 200 });
  t.equal(await via('203.0.113.9'), '198.18.0.2', 'goto 40 skips pref 30');
  await a.deleteRule({ priority: 20, goto: 40 });
  t.equal(await via('203.0.113.9'), '198.18.0.1', 'without it, pref 30 matches');
  await Promise.all([a.deleteRule({ priority: 30 }), a.deleteRule({ priority: 40 })]);

  // The DS field, as `ip route get ... tos` asks.
  await a.addRule({ priority: 12, tos: 0x10, table: 100 });
  const tosGet = ipJson(a.name!, 'route', 'get', '203.0.113.9', 'tos', '0x10');
  t.equal(tosGet[0].gateway, '198.18.0.1', 'ip route get tos 0x10: table 100');
  t.equal(ipJson(a.name!, 'route', 'get', '203.0.113.9')[0].gateway, '192.0.2.1', 'another TOS: main');

  // The ports and protocol of a lookup, as ip route get gives them.
  await a.addRule({ priority: 13, ipProto: 'udp', dport: { start: 5000, end: 5010 }, table: 200 });
  t.equal(ipJson(a.name!, 'route', 'get', '203.0.113.9', 'ipproto', 'udp', 'dport', '5005')[0].gateway, '198.18.0.2', 'udp to 5005: table 200');
  t.equal(ipJson(a.name!, 'route', 'get', '203.0.113.9', 'ipproto', 'udp', 'dport', '5011')[0].gateway, '192.0.2.1', 'udp to 5011: main');
  t.equal(ipJson(a.name!, 'route', 'get', '203.0.113.9', 'ipproto', 'tcp', 'dport', '5005')[0].gateway, '192.0.2.1', 'tcp to 5005: main');

  await a.addRule({ priority: 14, uidRange: { start: 1000, end: 1999 }, table: 100 });
  t.equal(ipJson(a.name!, 'route', 'get', '198.51.100.1', 'uid', '1500')[0].gateway, '198.18.0.1', 'uid 1500: table 100');
  t.equal(ipJson(a.name!, 'route', 'get', '198.51.100.1', 'uid', '2000')[0].gateway, '192.0.2.1', 'uid 2000: main');
});

t.test('flushRules deletes every rule but the local lookup, as ip rule flush', async (t) => {
  const [a, b] = (await namedNetns(t, 'ruleflush', 2)) as [Netns, Netns];
  for (const ns of [a, b]) {
    await ns.addRule({ priority: 100, from: '192.0.2.0/24', table: 10 });
    await ns.addRule({ priority: 100, from: '198.51.100.0/24', table: 10 });
    await ns.addRule({ priority: 101, ipProto: 'tcp', dport: 22, action: 'unreachable', protocol: 'static' });
    await ns.addRule({ priority: 102, to: '2001:db8::/32', table: 10 });
  }
  t.equal(await a.flushRules({ family: 4, protocol: 'static' }), 1, 'by protocol');
  t.notOk(ipJson(a.name!, '-4', 'rule', 'show').some((r: any) => r.priority === 101));
  t.equal(await a.flushRules({ family: 4 }), 4, 'two of the same priority, and main and default');
  execFileSync('ip', ['-n', b.name!, '-4', 'rule', 'flush']);
  t.same(ipJson(a.name!, '-4', 'rule', 'show'), ipJson(b.name!, '-4', 'rule', 'show'), 'what ip rule flush leaves');
  t.same(ipJson(a.name!, '-4', 'rule', 'show').map((r: any) => r.priority), [0]);
  t.ok(ipJson(a.name!, '-6', 'rule', 'show').some((r: any) => r.priority === 102), 'IPv6 untouched');
});

t.test('the kernel\'s refusals of rules, errno and reason', async (t) => {
  const [a] = (await namedNetns(t, 'ruleno')) as [Netns];
  await t.rejects(a.addRule({ goto: 100 }), { code: 'EINVAL', op: 'addRule', kernelMessage: 'Backward goto not supported', message: /from all goto 100 in netns/ }, 'the priority the kernel picks (32765) is after 100');
  await a.addRule({ priority: 7, ipProto: 'tcp', table: 5 });
  await t.rejects(a.addRule({ priority: 7, ipProto: 'tcp', table: 5 }), { code: 'EEXIST', message: /such a rule already exists/ });
  await t.rejects(a.deleteRule({ priority: 9, table: 5 }), { code: 'ENOENT', message: /no such rule/ });
});
