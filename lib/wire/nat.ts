/**
 * The NAT rules netns-link makes, as nf_tables expressions and back: a masquerade in
 * `postrouting`, a port forward (DNAT) in `prerouting` and `output`, all in the table
 * `inet netns_link`. Each rule is encoded as `nft` encodes the same rule (test/wire-nft.test.ts
 * compares the bytes), and a rule read back from the kernel is recognised by the same shapes;
 * a rule of any other shape reads as not ours.
 * @internal
 * @packageDocumentation
 */
import { C } from './constants.js';
import { formatAddress, type Family, type IpAddress, type IpPrefix } from './ip.js';
import type { BaseChain, Expr, NftRule } from './nft.js';

/** The one table the library owns, in every namespace it makes NAT rules in. @internal */
export const NAT_TABLE = 'netns_link';

/** Its base chains, at the standard nat priorities (`dstnat` -100, `srcnat` 100). @internal */
export const NAT_CHAINS = {
  prerouting: { name: 'prerouting', type: 'nat', hook: C.NF_INET_PRE_ROUTING, priority: -100 },
  output: { name: 'output', type: 'nat', hook: C.NF_INET_LOCAL_OUT, priority: -100 },
  postrouting: { name: 'postrouting', type: 'nat', hook: C.NF_INET_POST_ROUTING, priority: 100 },
} as const satisfies Record<string, BaseChain>;

/** The chain a NAT rule lives in. */
export type NatChain = keyof typeof NAT_CHAINS;

/** A transport protocol a port forward matches. */
export type NatProtocol = 'tcp' | 'udp';

/** What {@link Netns.masquerade} takes, checked: the source prefix, host bits cleared. @internal */
export interface MasqueradeWire {
  from: IpPrefix;
  out?: string;
  /** Destinations left alone (`ip daddr != P`), host bits cleared. */
  notTo?: IpPrefix[];
}

/** What {@link Netns.forwardPort} takes, checked. @internal */
export interface ForwardWire {
  protocol: NatProtocol;
  port: number;
  to: IpAddress;
  toPort?: number;
  in?: string;
  destination?: IpAddress;
}

/** What {@link Netns.masquerade} takes: `nft add rule inet netns_link postrouting ip saddr FROM [oifname OUT] masquerade`. */
export interface MasqueradeSpec {
  /** The source prefix whose traffic leaves with the namespace's own address (`192.0.2.0/24`, `2001:db8:1::/64`). */
  from: string;
  /** Only traffic leaving through this interface (`oifname`). */
  out?: string;
  /**
   * Destinations whose traffic keeps its source (`ip daddr != P`): the network itself, say, and
   * multicast, as the CNI bridge plugin's `ipMasq` leaves them: `['10.88.0.0/16', '224.0.0.0/4']`.
   */
  notTo?: string[];
}

/** What {@link Netns.forwardPort} takes: a DNAT, as Docker's `-p` and CNI's `portmap` make. */
export interface ForwardSpec {
  /** `tcp` or `udp`. */
  protocol: NatProtocol;
  /** The port connections arrive on. */
  port: number;
  /** The address they are sent on to (IPv4 or IPv6). */
  to: string;
  /** The port they are sent on to; the same port if left out. */
  toPort?: number;
  /** Only connections arriving through this interface (`iifname`); then not the namespace's own. */
  in?: string;
  /** Only connections to this address; else any address of the namespace's own (`fib daddr type local`). */
  destination?: string;
}

/** A masquerade rule, as read back: the fields of the call that made it (`from` as `ip` prints a prefix). */
export interface MasqueradeRule extends MasqueradeSpec {
  /** Which kind of rule. */
  type: 'masquerade';
}

/** A port forward, as read back: the fields of the call that made it. */
export interface ForwardRule extends ForwardSpec {
  /** Which kind of rule. */
  type: 'forward';
}

/** A rule of the library's NAT table. */
export type NatRule = MasqueradeRule | ForwardRule;

const REG = C.NFT_REG_1;
const EQ = C.NFT_CMP_EQ;
const NEQ = C.NFT_CMP_NEQ;
const NH = C.NFT_PAYLOAD_NETWORK_HEADER;
const TH = C.NFT_PAYLOAD_TRANSPORT_HEADER;
const RTN_LOCAL = 2;
const PROTO = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP } as const;
/** Where the source and destination addresses sit in the IPv4 and IPv6 headers. */
const ADDR_AT = { 4: { saddr: 12, daddr: 16 }, 6: { saddr: 8, daddr: 24 } } as const;

function nfproto(family: Family): number {
  return family === 4 ? C.NFPROTO_IPV4 : C.NFPROTO_IPV6;
}

function u8(v: number): Buffer {
  return Buffer.of(v);
}

function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

/** An interface name as nft compares it: the 16 bytes of IFNAMSIZ, NUL-padded. */
function ifnameBytes(name: string): Buffer {
  const b = Buffer.alloc(16);
  b.write(name, 'utf8');
  return b;
}

function match(key: number, data: Buffer): Expr[] {
  return [{ name: 'meta', key, dreg: REG }, { name: 'cmp', sreg: REG, op: EQ, data }];
}

/**
 * `ip saddr PREFIX` as nft writes it: a whole-byte prefix loads only its bytes; any other
 * loads the whole address and masks it; /0 matches everything of the family.
 */
function prefixMatch(p: IpPrefix, at: number, op: number = EQ): Expr[] {
  if (p.prefixLength === 0) return [];
  const partial = p.prefixLength % 8 !== 0;
  const len = partial ? p.bytes.length : p.prefixLength / 8;
  const out: Expr[] = [{ name: 'payload', dreg: REG, base: NH, offset: at, len }];
  if (partial) {
    const mask = Buffer.alloc(len);
    for (let bit = 0; bit < p.prefixLength; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
    out.push({ name: 'bitwise', sreg: REG, dreg: REG, len, mask, xor: Buffer.alloc(len) });
  }
  out.push({ name: 'cmp', sreg: REG, op, data: Buffer.from(p.bytes.subarray(0, len)) });
  return out;
}


/** `ip saddr FROM [ip daddr != NOT ...] [oifname OUT] masquerade`. @internal */
export function masqueradeExprs(spec: MasqueradeWire): Expr[] {
  const f = spec.from.family;
  return [
    ...match(C.NFT_META_NFPROTO, u8(nfproto(f))),
    ...prefixMatch(spec.from, ADDR_AT[f].saddr),
    ...(spec.notTo ?? []).flatMap((p) => prefixMatch(p, ADDR_AT[f].daddr, NEQ)),
    ...(spec.out !== undefined ? match(C.NFT_META_OIFNAME, ifnameBytes(spec.out)) : []),
    { name: 'masq' },
  ];
}

/**
 * `[iifname IN] meta nfproto F (ip daddr DEST | fib daddr type local) meta l4proto P P dport
 * PORT dnat ip to TO[:TOPORT]`. Without a destination the forward applies to the namespace's
 * own addresses only (as Docker's `--dst-type LOCAL`), never to traffic passing through.
 * @internal
 */
export function forwardExprs(spec: ForwardWire, chain: 'prerouting' | 'output'): Expr[] {
  const f = spec.to.family;
  const out: Expr[] = [];
  if (spec.in !== undefined && chain === 'prerouting') out.push(...match(C.NFT_META_IIFNAME, ifnameBytes(spec.in)));
  out.push(...match(C.NFT_META_NFPROTO, u8(nfproto(f))));
  if (spec.destination) {
    out.push({ name: 'payload', dreg: REG, base: NH, offset: ADDR_AT[f].daddr, len: spec.destination.bytes.length });
    out.push({ name: 'cmp', sreg: REG, op: EQ, data: spec.destination.bytes });
  } else {
    const local = Buffer.alloc(4);
    local.writeUInt32LE(RTN_LOCAL);
    out.push({ name: 'fib', dreg: REG, result: C.NFT_FIB_RESULT_ADDRTYPE, flags: C.NFTA_FIB_F_DADDR });
    out.push({ name: 'cmp', sreg: REG, op: EQ, data: local });
  }
  out.push(...match(C.NFT_META_L4PROTO, u8(PROTO[spec.protocol])));
  out.push({ name: 'payload', dreg: REG, base: TH, offset: 2, len: 2 });
  out.push({ name: 'cmp', sreg: REG, op: EQ, data: be16(spec.port) });
  out.push({ name: 'immediate', dreg: REG, data: spec.to.bytes });
  if (spec.toPort !== undefined) {
    out.push({ name: 'immediate', dreg: C.NFT_REG_2, data: be16(spec.toPort) });
    out.push({ name: 'nat', type: C.NFT_NAT_DNAT, family: nfproto(f), addrMin: REG, protoMin: C.NFT_REG_2, flags: C.NF_NAT_RANGE_PROTO_SPECIFIED });
  } else {
    out.push({ name: 'nat', type: C.NFT_NAT_DNAT, family: nfproto(f), addrMin: REG });
  }
  return out;
}

/** The chains a forward goes in: `output` too (the namespace's own traffic) unless `in` is set. @internal */
export function forwardChains(spec: { in?: string | undefined }): ('prerouting' | 'output')[] {
  return spec.in === undefined ? ['prerouting', 'output'] : ['prerouting'];
}

// --- Reading rules back --------------------------------------------------------------------

/** What a walk over a rule's expressions has recognised so far. */
interface Seen {
  family?: Family;
  iif?: string;
  oif?: string;
  saddr?: string;
  daddr?: string;
  notTo?: string[];
  local?: boolean;
  l4?: number;
  dport?: number;
  to?: string;
  toPort?: number;
  verdict?: 'masq' | 'dnat';
}

function ifnameOf(b: Buffer): string | undefined {
  if (b.length !== 16) return undefined;
  const end = b.indexOf(0);
  return end > 0 ? b.toString('utf8', 0, end) : undefined;
}

/** The prefix text a load, an optional mask and a compare stand for (as nft writes them). */
function prefixText(family: Family, load: number, value: Buffer, mask: Buffer | null): string | undefined {
  const size = family === 4 ? 4 : 16;
  if (value.length !== load || load > size) return undefined;
  let bits = load * 8;
  if (mask) {
    // A mask is contiguous ones over the whole address, then zeros; the value has no bit outside it.
    if (mask.length !== size || load !== size) return undefined;
    bits = 0;
    while (bits < size * 8 && mask[bits >> 3]! & (0x80 >> (bits & 7))) bits++;
    for (let bit = bits; bit < size * 8; bit++) {
      if ((mask[bit >> 3]! | value[bit >> 3]!) & (0x80 >> (bit & 7))) return undefined;
    }
  }
  const bytes = Buffer.alloc(size);
  value.copy(bytes);
  return `${formatAddress(bytes, 0, size)}/${bits}`;
}

/** Reads the expressions of a rule in the library's table into the call that made it, or null. */
function recognise(exprs: readonly Expr[]): Seen | null {
  const s: Seen = {};
  let i = 0;
  const next = (): Expr | undefined => exprs[i++];
  while (i < exprs.length) {
    const e = next()!;
    if (e.name === 'meta' && e.dreg === REG) {
      const c = next();
      if (!c || c.name !== 'cmp' || c.sreg !== REG || c.op !== EQ) return null;
      if (e.key === C.NFT_META_NFPROTO && c.data.length === 1 && s.family === undefined) {
        if (c.data[0] === C.NFPROTO_IPV4) s.family = 4;
        else if (c.data[0] === C.NFPROTO_IPV6) s.family = 6;
        else return null;
      } else if (e.key === C.NFT_META_L4PROTO && c.data.length === 1 && s.l4 === undefined) {
        s.l4 = c.data[0]!;
      } else if (e.key === C.NFT_META_IIFNAME && s.iif === undefined && s.family === undefined) {
        s.iif = ifnameOf(c.data);
        if (s.iif === undefined) return null;
      } else if (e.key === C.NFT_META_OIFNAME && s.oif === undefined) {
        s.oif = ifnameOf(c.data);
        if (s.oif === undefined) return null;
      } else {
        return null;
      }
    } else if (e.name === 'payload' && e.dreg === REG && e.base === NH && s.family !== undefined) {
      let c = next();
      let mask: Buffer | null = null;
      if (c && c.name === 'bitwise' && c.sreg === REG && c.dreg === REG && c.len === e.len && c.xor.every((x) => x === 0)) {
        mask = c.mask;
        c = next();
      }
      if (!c || c.name !== 'cmp' || c.sreg !== REG || (c.op !== EQ && c.op !== NEQ)) return null;
      const at = ADDR_AT[s.family];
      if (c.op === NEQ) {
        // `ip daddr != PREFIX`: a destination the masquerade leaves alone.
        const p = e.offset === at.daddr && s.saddr !== undefined && s.oif === undefined ? prefixText(s.family, e.len, c.data, mask) : undefined;
        if (p === undefined) return null;
        (s.notTo ??= []).push(p);
      } else if (e.offset === at.saddr && s.saddr === undefined) {
        s.saddr = prefixText(s.family, e.len, c.data, mask);
        if (s.saddr === undefined) return null;
      } else if (e.offset === at.daddr && s.daddr === undefined && !mask && e.len === (s.family === 4 ? 4 : 16)) {
        s.daddr = formatAddress(c.data, 0, c.data.length);
      } else {
        return null;
      }
    } else if (e.name === 'fib' && e.dreg === REG && e.result === C.NFT_FIB_RESULT_ADDRTYPE && e.flags === C.NFTA_FIB_F_DADDR) {
      const c = next();
      if (!c || c.name !== 'cmp' || c.op !== EQ || c.data.length !== 4 || c.data.readUInt32LE(0) !== RTN_LOCAL) return null;
      s.local = true;
    } else if (e.name === 'payload' && e.dreg === REG && e.base === TH && e.offset === 2 && e.len === 2 && s.l4 !== undefined) {
      const c = next();
      if (!c || c.name !== 'cmp' || c.op !== EQ || c.data.length !== 2) return null;
      s.dport = c.data.readUInt16BE(0);
    } else if (e.name === 'immediate' && e.dreg === REG && s.to === undefined) {
      s.to = formatAddress(e.data, 0, e.data.length);
    } else if (e.name === 'immediate' && e.dreg === C.NFT_REG_2 && e.data.length === 2) {
      s.toPort = e.data.readUInt16BE(0);
    } else if (e.name === 'masq' && !e.flags && i === exprs.length) {
      s.verdict = 'masq';
    } else if (e.name === 'nat' && e.type === C.NFT_NAT_DNAT && e.addrMin === REG && i === exprs.length) {
      // The kernel dumps a single address and port as a range of one (max = min) with
      // NF_NAT_RANGE_MAP_IPS set; nft sends only the minimum.
      if (s.family === undefined || e.family !== nfproto(s.family)) return null;
      if (e.addrMax !== undefined && e.addrMax !== REG) return null;
      const port = s.toPort !== undefined;
      if (port ? e.protoMin !== C.NFT_REG_2 || (e.protoMax !== undefined && e.protoMax !== C.NFT_REG_2) : e.protoMin !== undefined || e.protoMax !== undefined) return null;
      if (((e.flags ?? 0) & ~C.NF_NAT_RANGE_MAP_IPS) !== (port ? C.NF_NAT_RANGE_PROTO_SPECIFIED : 0)) return null;
      s.verdict = 'dnat';
    } else {
      return null;
    }
  }
  return s;
}

const PROTO_NAME = new Map<number, NatProtocol>([[C.IPPROTO_TCP, 'tcp'], [C.IPPROTO_UDP, 'udp']]);

/**
 * A rule of the library's table as the call that made it, or null for a rule of another shape
 * (one somebody added by hand). A forward is two rules (prerouting and output): each reads as
 * the same forward, and {@link natRulesOf} keeps one.
 * @internal
 */
export function parseNatRule(rule: NftRule): NatRule | null {
  const s = recognise(rule.exprs);
  if (!s || s.family === undefined) return null;
  const full = s.family === 4 ? '0.0.0.0/0' : '::/0';
  if (s.verdict === 'masq' && rule.chain === 'postrouting') {
    if (s.iif !== undefined || s.daddr !== undefined || s.local || s.l4 !== undefined || s.to !== undefined) return null;
    const r: MasqueradeRule = { type: 'masquerade', from: s.saddr ?? full };
    if (s.oif !== undefined) r.out = s.oif;
    if (s.notTo) r.notTo = s.notTo;
    return r;
  }
  if (s.notTo) return null;
  if (s.verdict === 'dnat' && (rule.chain === 'prerouting' || rule.chain === 'output')) {
    const protocol = s.l4 === undefined ? undefined : PROTO_NAME.get(s.l4);
    if (!protocol || s.dport === undefined || s.to === undefined || s.saddr !== undefined || s.oif !== undefined) return null;
    if ((s.daddr === undefined) === (s.local !== true)) return null;
    if (rule.chain === 'output' && s.iif !== undefined) return null;
    const r: ForwardRule = { type: 'forward', protocol, port: s.dport, to: s.to };
    if (s.toPort !== undefined) r.toPort = s.toPort;
    if (s.iif !== undefined) r.in = s.iif;
    if (s.daddr !== undefined) r.destination = s.daddr;
    return r;
  }
  return null;
}

/** One text per rule, the same for the call and for the rule read back: what identifies it. @internal */
export function natKey(r: NatRule): string {
  return r.type === 'masquerade'
    ? `masquerade ${r.from} ${r.out ?? ''} ${[...(r.notTo ?? [])].sort().join(',')}`
    : `forward ${r.protocol} ${r.port} ${r.to} ${r.toPort ?? ''} ${r.in ?? ''} ${r.destination ?? ''}`;
}
