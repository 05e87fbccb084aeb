// nf_tables on the wire: the NAT rules, byte for byte as `nft` sends them, and read back.
//
// test/fixtures/nft-golden.json holds what nft sent for each rule (captured by
// scripts/nft-golden.js: nft in a throwaway namespace under strace). When nft and strace are
// here, the capture runs again and must still match.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { C } from '../dist/wire/constants.js';
import { networkOf, parseIp, parsePrefix } from '../dist/wire/ip.js';
import { forwardChains, forwardExprs, masqueradeExprs, NAT_CHAINS, NAT_TABLE, natKey, parseNatRule, type NatRule } from '../dist/wire/nat.js';
import { batchMarker, encodeDelRule, encodeNewChain, encodeNewRule, encodeNewTable, parseExprs, parseRule, type Expr } from '../dist/wire/nft.js';
import { eachMessage } from '../dist/wire/netlink.js';
import { hex, message } from './wire';

interface Golden {
  nft: string;
  chains: { type: number; body: string }[];
  cases: { call: { masquerade?: { from: string; out?: string; notTo?: string[] }; forwardPort?: Record<string, unknown> }; nft: string; rules: { type: number; body: string }[] }[];
}
const golden = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'nft-golden.json'), 'utf8')) as Golden;

/** A message's type and everything after its netlink header: what nft's batch is compared on. */
function body(msg: Buffer): { type: number; body: string } {
  return { type: msg.readUInt16LE(4), body: msg.subarray(16).toString('hex') };
}

function rulesFor(call: Golden['cases'][number]['call']): Buffer[] {
  if (call.masquerade) {
    const m = call.masquerade;
    const notTo = m.notTo ? { notTo: m.notTo.map((p) => networkOf(parsePrefix(p))) } : {};
    return [encodeNewRule(NAT_TABLE, 'postrouting', masqueradeExprs({ from: networkOf(parsePrefix(m.from)), ...(m.out ? { out: m.out } : {}), ...notTo }))];
  }
  const f = call.forwardPort as { protocol: 'tcp' | 'udp'; port: number; to: string; toPort?: number; in?: string; destination?: string };
  const spec = {
    protocol: f.protocol, port: f.port, to: parseIp(f.to),
    ...(f.toPort !== undefined ? { toPort: f.toPort } : {}),
    ...(f.in !== undefined ? { in: f.in } : {}),
    ...(f.destination !== undefined ? { destination: parseIp(f.destination) } : {}),
  };
  return forwardChains(spec).map((chain) => encodeNewRule(NAT_TABLE, chain, forwardExprs(spec, chain)));
}

t.test('the table and its three nat base chains are what nft sends', async (t) => {
  const ours = [encodeNewTable(NAT_TABLE), ...Object.values(NAT_CHAINS).map((c) => encodeNewChain(NAT_TABLE, c))].map(body);
  t.same(ours, golden.chains, `as ${golden.nft} sends them`);
});

t.test('each rule is what nft sends for the same rule', async (t) => {
  t.ok(golden.cases.length >= 11, 'masquerades (with destinations left alone) and forwards in IPv4 and IPv6');
  for (const c of golden.cases) t.same(rulesFor(c.call).map(body), c.rules, c.nft);
});

t.test('the header of a rule: NEWRULE, CREATE|APPEND; nfgenmsg inet', async (t) => {
  const rule = encodeNewRule(NAT_TABLE, 'postrouting', [{ name: 'masq' }]);
  t.same(rule.subarray(0, 20), hex(`
    ${rule.length.toString(16).padStart(2, '0')}000000 060a 010c 00000000 00000000  # NFNL_SUBSYS_NFTABLES<<8|NFT_MSG_NEWRULE, REQUEST|CREATE|APPEND
    01 00 0000                                                                    # NFPROTO_INET, NFNETLINK_V0, res_id 0
  `));
  t.same(encodeDelRule(NAT_TABLE, 'output', 0x1_0000_0002).subarray(16), hex(`
    01 00 0000
    0f00 0100 6e65746e735f6c696e6b00 00   # NFTA_RULE_TABLE "netns_link"
    0b00 0200 6f757470757400 00           # NFTA_RULE_CHAIN "output"
    0c00 0300 0000000100000002            # NFTA_RULE_HANDLE, big-endian u64
  `));
});

t.test('batch markers: BEGIN and END for subsystem 10, the generation when given', async (t) => {
  t.same(batchMarker(C.NFNL_MSG_BATCH_BEGIN), hex('14000000 1000 0100 00000000 00000000  00 00 000a'));
  t.same(batchMarker(C.NFNL_MSG_BATCH_END), hex('14000000 1100 0100 00000000 00000000  00 00 000a'));
  t.same(batchMarker(C.NFNL_MSG_BATCH_BEGIN, 7), hex('1c000000 1000 0100 00000000 00000000  00 00 000a  0800 0100 00000007'), 'NFNL_BATCH_GENID');
});

t.test('every rule reads back as the call that made it', async (t) => {
  for (const c of golden.cases) {
    const expected: NatRule = c.call.masquerade
      ? { type: 'masquerade', ...c.call.masquerade, from: networkOf(parsePrefix(c.call.masquerade.from)).text }
      : ({ type: 'forward', ...c.call.forwardPort } as NatRule);
    for (const raw of rulesFor(c.call)) {
      const m = message(raw);
      const rule = parseRule(m)!;
      t.equal(rule.table, NAT_TABLE);
      t.same(parseNatRule(rule), expected, `${c.nft} (${rule.chain})`);
      t.equal(natKey(parseNatRule(rule)!), natKey(expected));
    }
  }
});

t.test('prefixes: host bits cleared, RFC 5952 text, partial bytes masked', async (t) => {
  t.equal(networkOf(parsePrefix('192.0.2.77/24')).text, '192.0.2.0/24');
  t.equal(networkOf(parsePrefix('2001:DB8:0:0:1::9/64')).text, '2001:db8::/64');
  t.equal(networkOf(parsePrefix('198.18.255.1/15')).text, '198.18.0.0/15');
  const e = masqueradeExprs({ from: networkOf(parsePrefix('198.18.0.0/15')) });
  t.match(e[2], { name: 'payload', offset: 12, len: 4 }, 'a prefix that ends inside a byte loads the whole address');
  t.same((e[3] as Extract<Expr, { name: 'bitwise' }>).mask, hex('fffe0000'));
  t.same((e[4] as Extract<Expr, { name: 'cmp' }>).data, hex('c6120000'));
  t.match(masqueradeExprs({ from: networkOf(parsePrefix('198.18.0.0/16')) })[2], { name: 'payload', len: 2 }, 'a whole-byte prefix loads its bytes');
  t.same(masqueradeExprs({ from: networkOf(parsePrefix('::/0')) }).map((x) => x.name), ['meta', 'cmp', 'masq'], '/0: the family only');
});

t.test('rules of other shapes are not taken for ours', async (t) => {
  const base = masqueradeExprs({ from: networkOf(parsePrefix('192.0.2.0/24')) });
  const wrap = (exprs: Expr[], chain = 'postrouting'): NatRule | null => parseNatRule({ family: 1, table: NAT_TABLE, chain, handle: 1, exprs });
  t.ok(wrap(base), 'ours');
  t.equal(wrap(base, 'prerouting'), null, 'a masquerade outside postrouting');
  t.equal(wrap([...base.slice(0, -1), { name: 'other', kind: 'counter' }, { name: 'masq' }]), null, 'a counter added by hand');
  t.equal(wrap(base.slice(0, -1)), null, 'no verdict');
  t.equal(wrap([{ name: 'masq' }]), null, 'no family match');
  t.equal(wrap([...base.slice(0, -1), { name: 'masq', flags: 4 }]), null, 'masquerade random');
  const fwd = forwardExprs({ protocol: 'tcp', port: 80, to: parseIp('192.0.2.10') }, 'prerouting');
  t.ok(wrap(fwd, 'prerouting'));
  t.equal(wrap(fwd, 'postrouting'), null, 'a DNAT in postrouting');
  const snat = fwd.map((x) => (x.name === 'nat' ? { ...x, type: C.NFT_NAT_SNAT } : x));
  t.equal(wrap(snat, 'prerouting'), null, 'SNAT');
});

t.test('an expression not modelled reads as other, by name, and the rest still reads', async (t) => {
  const raw = encodeNewRule(NAT_TABLE, 'postrouting', [{ name: 'masq' }]);
  const m = message(raw);
  const exprs: Expr[] = [];
  eachMessage(raw, () => undefined);
  const r = parseRule(m)!;
  exprs.push(...r.exprs);
  t.same(exprs, [{ name: 'masq' }]);
  // A `counter` element: NFTA_EXPR_NAME "counter", NFTA_EXPR_DATA with two u64s.
  const counter = hex('2c00 0180  0c00 0100 636f756e74657200  1c00 0280 0c00 0100 0000000000000001 0c00 0200 0000000000000040');
  t.same(parseExprs(counter, 0, counter.length), [{ name: 'other', kind: 'counter' }]);
});

const canCapture = process.getuid?.() === 0 && ['nft', 'strace', 'unshare'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
t.test('nft here still sends the saved bytes', { skip: canCapture ? false : 'needs root, nft and strace (scripts/nft-golden.js)' }, async (t) => {
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'nft-golden.js'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
});
