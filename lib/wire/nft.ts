/**
 * nf_tables over nfnetlink: the batch that makes a transaction, the table, chain and rule
 * messages, and the expressions a rule is made of (meta, cmp, payload, bitwise, immediate, fib,
 * nat, masq), each encoded as `nft` itself encodes it and parsed back from the kernel's dumps.
 *
 * Every nf_tables message is `struct nfgenmsg` (family, version, res_id) and attributes whose
 * integers are big-endian. A transaction is `NFNL_MSG_BATCH_BEGIN`, the messages,
 * `NFNL_MSG_BATCH_END`, in one datagram: the kernel applies all of it or none of it.
 * @internal
 * @packageDocumentation
 */
import { eachAttr, MessageWriter, readBe32, readBe64, readString } from './attr.js';
import { C } from './constants.js';
import type { RawMessage } from './netlink.js';

/** Size of `struct nfgenmsg`. @internal */
export const NFGENMSG_LEN = 4;

const NESTED = C.NLA_F_NESTED;

/** One nf_tables message: the header and nfgenmsg written, attributes to follow. @internal */
export function nftMessage(msg: number, flags: number, family: number = C.NFPROTO_INET): MessageWriter {
  const w = new MessageWriter((C.NFNL_SUBSYS_NFTABLES << 8) | msg, C.NLM_F_REQUEST | flags, 512);
  return w.u8(family).u8(C.NFNETLINK_V0).be16(0);
}

/** The message type of a reply, without the subsystem (`NFT_MSG_NEWRULE`), or -1. @internal */
export function nftType(type: number): number {
  return type >> 8 === C.NFNL_SUBSYS_NFTABLES ? type & 0xff : -1;
}

/**
 * `NFNL_MSG_BATCH_BEGIN` or `_END` for nf_tables. With `genid`, the kernel refuses the whole
 * batch (`ERESTART`) if the ruleset changed since that generation was read.
 * @internal
 */
export function batchMarker(type: number, genid?: number): Buffer {
  const w = new MessageWriter(type, C.NLM_F_REQUEST, 32).u8(C.AF_UNSPEC).u8(C.NFNETLINK_V0).be16(C.NFNL_SUBSYS_NFTABLES);
  if (genid !== undefined) w.putBe32(C.NFNL_BATCH_GENID, genid);
  return w.finish();
}

// --- Expressions ---------------------------------------------------------------------------

/** An nf_tables expression, as `nft --debug=netlink` shows it. @internal */
export type Expr =
  | { name: 'meta'; key: number; dreg: number }
  | { name: 'cmp'; sreg: number; op: number; data: Buffer }
  | { name: 'payload'; dreg: number; base: number; offset: number; len: number }
  | { name: 'bitwise'; sreg: number; dreg: number; len: number; mask: Buffer; xor: Buffer }
  | { name: 'immediate'; dreg: number; data: Buffer }
  | { name: 'fib'; dreg: number; result: number; flags: number }
  | { name: 'nat'; type: number; family: number; addrMin?: number; addrMax?: number; protoMin?: number; protoMax?: number; flags?: number }
  | { name: 'masq'; flags?: number }
  /** Read back only: an expression this codec does not model. */
  | { name: 'other'; kind: string };

function putData(w: MessageWriter, type: number, value: Buffer): void {
  const at = w.nestStart(type | NESTED);
  w.putBytes(C.NFTA_DATA_VALUE, value);
  w.nestEnd(at);
}

/** Writes one expression's attributes in the order nft writes them (libnftnl's builders). */
function putExprData(w: MessageWriter, e: Exclude<Expr, { name: 'other' }>): void {
  switch (e.name) {
    case 'meta':
      w.putBe32(C.NFTA_META_KEY, e.key).putBe32(C.NFTA_META_DREG, e.dreg);
      break;
    case 'cmp':
      w.putBe32(C.NFTA_CMP_SREG, e.sreg).putBe32(C.NFTA_CMP_OP, e.op);
      putData(w, C.NFTA_CMP_DATA, e.data);
      break;
    case 'payload':
      w.putBe32(C.NFTA_PAYLOAD_DREG, e.dreg).putBe32(C.NFTA_PAYLOAD_BASE, e.base);
      w.putBe32(C.NFTA_PAYLOAD_OFFSET, e.offset).putBe32(C.NFTA_PAYLOAD_LEN, e.len);
      break;
    case 'bitwise':
      w.putBe32(C.NFTA_BITWISE_SREG, e.sreg).putBe32(C.NFTA_BITWISE_DREG, e.dreg).putBe32(C.NFTA_BITWISE_LEN, e.len);
      putData(w, C.NFTA_BITWISE_MASK, e.mask);
      putData(w, C.NFTA_BITWISE_XOR, e.xor);
      break;
    case 'immediate':
      w.putBe32(C.NFTA_IMMEDIATE_DREG, e.dreg);
      putData(w, C.NFTA_IMMEDIATE_DATA, e.data);
      break;
    case 'fib':
      w.putBe32(C.NFTA_FIB_FLAGS, e.flags).putBe32(C.NFTA_FIB_RESULT, e.result).putBe32(C.NFTA_FIB_DREG, e.dreg);
      break;
    case 'nat':
      w.putBe32(C.NFTA_NAT_TYPE, e.type).putBe32(C.NFTA_NAT_FAMILY, e.family);
      if (e.addrMin !== undefined) w.putBe32(C.NFTA_NAT_REG_ADDR_MIN, e.addrMin);
      if (e.addrMax !== undefined) w.putBe32(C.NFTA_NAT_REG_ADDR_MAX, e.addrMax);
      if (e.protoMin !== undefined) w.putBe32(C.NFTA_NAT_REG_PROTO_MIN, e.protoMin);
      if (e.protoMax !== undefined) w.putBe32(C.NFTA_NAT_REG_PROTO_MAX, e.protoMax);
      if (e.flags) w.putBe32(C.NFTA_NAT_FLAGS, e.flags);
      break;
    case 'masq':
      if (e.flags) w.putBe32(C.NFTA_MASQ_FLAGS, e.flags);
      break;
  }
}

/** `NFTA_RULE_EXPRESSIONS`: each expression a list element with its name and data. @internal */
export function putExprs(w: MessageWriter, exprs: readonly Expr[]): void {
  const list = w.nestStart(C.NFTA_RULE_EXPRESSIONS | NESTED);
  for (const e of exprs) {
    if (e.name === 'other') throw new TypeError(`cannot encode the nf_tables expression ${e.kind}`);
    const elem = w.nestStart(C.NFTA_LIST_ELEM | NESTED);
    w.putStrz(C.NFTA_EXPR_NAME, e.name);
    const data = w.nestStart(C.NFTA_EXPR_DATA | NESTED);
    putExprData(w, e);
    w.nestEnd(data);
    w.nestEnd(elem);
  }
  w.nestEnd(list);
}

/** The attributes of one expression's data, by type: big-endian u32s and nested values. */
function readExprAttrs(buf: Buffer, start: number, end: number): Map<number, [number, number]> {
  const attrs = new Map<number, [number, number]>();
  eachAttr(buf, start, end, (t, s, e) => attrs.set(t, [s, e]));
  return attrs;
}

function u32Of(buf: Buffer, attrs: Map<number, [number, number]>, type: number): number | undefined {
  const a = attrs.get(type);
  return a && a[1] - a[0] >= 4 ? readBe32(buf, a[0]) : undefined;
}

function dataOf(buf: Buffer, attrs: Map<number, [number, number]>, type: number): Buffer | undefined {
  const a = attrs.get(type);
  if (!a) return undefined;
  let value: Buffer | undefined;
  eachAttr(buf, a[0], a[1], (t, s, e) => {
    if (t === C.NFTA_DATA_VALUE) value = Buffer.from(buf.subarray(s, e));
  });
  return value;
}

/** Reads one expression; an expression of another shape reads as `other`. */
function parseExpr(name: string, buf: Buffer, start: number, end: number): Expr {
  const a = readExprAttrs(buf, start, end);
  const u = (t: number): number | undefined => u32Of(buf, a, t);
  const other: Expr = { name: 'other', kind: name };
  switch (name) {
    case 'meta': {
      const key = u(C.NFTA_META_KEY);
      const dreg = u(C.NFTA_META_DREG);
      return key !== undefined && dreg !== undefined ? { name, key, dreg } : other;
    }
    case 'cmp': {
      const sreg = u(C.NFTA_CMP_SREG);
      const op = u(C.NFTA_CMP_OP);
      const data = dataOf(buf, a, C.NFTA_CMP_DATA);
      return sreg !== undefined && op !== undefined && data ? { name, sreg, op, data } : other;
    }
    case 'payload': {
      const [dreg, base, offset, len] = [u(C.NFTA_PAYLOAD_DREG), u(C.NFTA_PAYLOAD_BASE), u(C.NFTA_PAYLOAD_OFFSET), u(C.NFTA_PAYLOAD_LEN)];
      return dreg !== undefined && base !== undefined && offset !== undefined && len !== undefined ? { name, dreg, base, offset, len } : other;
    }
    case 'bitwise': {
      const [sreg, dreg, len] = [u(C.NFTA_BITWISE_SREG), u(C.NFTA_BITWISE_DREG), u(C.NFTA_BITWISE_LEN)];
      const mask = dataOf(buf, a, C.NFTA_BITWISE_MASK);
      const xor = dataOf(buf, a, C.NFTA_BITWISE_XOR);
      return sreg !== undefined && dreg !== undefined && len !== undefined && mask && xor ? { name, sreg, dreg, len, mask, xor } : other;
    }
    case 'immediate': {
      const dreg = u(C.NFTA_IMMEDIATE_DREG);
      const data = dataOf(buf, a, C.NFTA_IMMEDIATE_DATA);
      return dreg !== undefined && data ? { name, dreg, data } : other;
    }
    case 'fib': {
      const [dreg, result, flags] = [u(C.NFTA_FIB_DREG), u(C.NFTA_FIB_RESULT), u(C.NFTA_FIB_FLAGS)];
      return dreg !== undefined && result !== undefined && flags !== undefined ? { name, dreg, result, flags } : other;
    }
    case 'nat': {
      const type = u(C.NFTA_NAT_TYPE);
      const family = u(C.NFTA_NAT_FAMILY);
      if (type === undefined || family === undefined) return other;
      const e: Expr = { name, type, family };
      const [addrMin, addrMax, protoMin, protoMax, flags] = [
        u(C.NFTA_NAT_REG_ADDR_MIN), u(C.NFTA_NAT_REG_ADDR_MAX), u(C.NFTA_NAT_REG_PROTO_MIN), u(C.NFTA_NAT_REG_PROTO_MAX), u(C.NFTA_NAT_FLAGS),
      ];
      if (addrMin !== undefined) e.addrMin = addrMin;
      if (addrMax !== undefined) e.addrMax = addrMax;
      if (protoMin !== undefined) e.protoMin = protoMin;
      if (protoMax !== undefined) e.protoMax = protoMax;
      if (flags) e.flags = flags;
      return e;
    }
    case 'masq': {
      if (a.size > (a.has(C.NFTA_MASQ_FLAGS) ? 1 : 0)) return other;
      const flags = u(C.NFTA_MASQ_FLAGS);
      return flags ? { name, flags } : { name };
    }
    default:
      return other;
  }
}

/** Reads `NFTA_RULE_EXPRESSIONS`. @internal */
export function parseExprs(buf: Buffer, start: number, end: number): Expr[] {
  const out: Expr[] = [];
  eachAttr(buf, start, end, (t, s, e) => {
    if (t !== C.NFTA_LIST_ELEM) return;
    let name = '';
    let data: [number, number] = [s, s];
    eachAttr(buf, s, e, (tt, ss, ee) => {
      if (tt === C.NFTA_EXPR_NAME) name = readString(buf, ss, ee);
      else if (tt === C.NFTA_EXPR_DATA) data = [ss, ee];
    });
    out.push(parseExpr(name, buf, data[0], data[1]));
  });
  return out;
}

// --- Tables, chains, rules -----------------------------------------------------------------

/** `nft add table inet NAME`. @internal */
export function encodeNewTable(table: string): Buffer {
  return nftMessage(C.NFT_MSG_NEWTABLE, 0).putStrz(C.NFTA_TABLE_NAME, table).putBe32(C.NFTA_TABLE_FLAGS, 0).finish();
}

/** `nft delete table inet NAME`: its chains and rules go with it. @internal */
export function encodeDelTable(table: string, flags = 0): Buffer {
  return nftMessage(C.NFT_MSG_DELTABLE, flags).putStrz(C.NFTA_TABLE_NAME, table).finish();
}

/** `nft list table inet NAME`, as a get: answered with the table, or ENOENT. @internal */
export function encodeGetTable(table: string): Buffer {
  return nftMessage(C.NFT_MSG_GETTABLE, C.NLM_F_ACK).putStrz(C.NFTA_TABLE_NAME, table).finish();
}

/** A base chain of a table: `{ type TYPE hook HOOK priority PRIORITY; policy accept; }`. @internal */
export interface BaseChain {
  name: string;
  type: string;
  hook: number;
  priority: number;
}

/** `nft add chain inet TABLE NAME { type … hook … priority …; policy accept; }`. @internal */
export function encodeNewChain(table: string, chain: BaseChain): Buffer {
  const w = nftMessage(C.NFT_MSG_NEWCHAIN, C.NLM_F_CREATE)
    .putStrz(C.NFTA_CHAIN_TABLE, table)
    .putStrz(C.NFTA_CHAIN_NAME, chain.name)
    .putStrz(C.NFTA_CHAIN_TYPE, chain.type)
    .putBe32(C.NFTA_CHAIN_POLICY, C.NF_ACCEPT);
  const hook = w.nestStart(C.NFTA_CHAIN_HOOK | NESTED);
  w.putBe32(C.NFTA_HOOK_HOOKNUM, chain.hook).putBe32(C.NFTA_HOOK_PRIORITY, chain.priority);
  w.nestEnd(hook);
  return w.finish();
}

/** `nft add rule inet TABLE CHAIN …`: appended at the chain's end. @internal */
export function encodeNewRule(table: string, chain: string, exprs: readonly Expr[]): Buffer {
  const w = nftMessage(C.NFT_MSG_NEWRULE, C.NLM_F_CREATE | C.NLM_F_APPEND).putStrz(C.NFTA_RULE_TABLE, table).putStrz(C.NFTA_RULE_CHAIN, chain);
  putExprs(w, exprs);
  return w.finish();
}

/** `nft delete rule inet TABLE CHAIN handle N`. @internal */
export function encodeDelRule(table: string, chain: string, handle: number): Buffer {
  return nftMessage(C.NFT_MSG_DELRULE, 0).putStrz(C.NFTA_RULE_TABLE, table).putStrz(C.NFTA_RULE_CHAIN, chain).putBe64(C.NFTA_RULE_HANDLE, handle).finish();
}

/** A dump of every rule of one table (`nft -a list table inet NAME`). @internal */
export function encodeDumpRules(table: string): Buffer {
  return nftMessage(C.NFT_MSG_GETRULE, C.NLM_F_DUMP).putStrz(C.NFTA_RULE_TABLE, table).finish();
}

/** The ruleset's generation (`NFT_MSG_GETGEN`), for a batch that must see no change since. @internal */
export function encodeGetGen(): Buffer {
  return nftMessage(C.NFT_MSG_GETGEN, C.NLM_F_ACK, C.AF_UNSPEC).finish();
}

/** Reads `NFT_MSG_NEWGEN`: the generation id. @internal */
export function parseGen(m: RawMessage): number | undefined {
  if (nftType(m.type) !== C.NFT_MSG_NEWGEN) return undefined;
  let id: number | undefined;
  eachAttr(m.buf, m.start + NFGENMSG_LEN, m.end, (t, s, e) => {
    if (t === C.NFTA_GEN_ID && e - s >= 4) id = readBe32(m.buf, s);
  });
  return id;
}

/** A rule as the kernel dumps it. @internal */
export interface NftRule {
  family: number;
  table: string;
  chain: string;
  handle: number;
  exprs: Expr[];
}

/** Reads `NFT_MSG_NEWRULE` from a dump. @internal */
export function parseRule(m: RawMessage): NftRule | undefined {
  if (nftType(m.type) !== C.NFT_MSG_NEWRULE || m.end - m.start < NFGENMSG_LEN) return undefined;
  const rule: NftRule = { family: m.buf[m.start]!, table: '', chain: '', handle: 0, exprs: [] };
  eachAttr(m.buf, m.start + NFGENMSG_LEN, m.end, (t, s, e) => {
    if (t === C.NFTA_RULE_TABLE) rule.table = readString(m.buf, s, e);
    else if (t === C.NFTA_RULE_CHAIN) rule.chain = readString(m.buf, s, e);
    else if (t === C.NFTA_RULE_HANDLE && e - s >= 8) rule.handle = readBe64(m.buf, s);
    else if (t === C.NFTA_RULE_EXPRESSIONS) rule.exprs = parseExprs(m.buf, s, e);
  });
  return rule;
}
