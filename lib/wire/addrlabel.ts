/**
 * IPv6 address labels on the wire (RFC 6724 source and destination address selection): the
 * typed {@link AddrLabel} parsed from RTM_NEWADDRLABEL, and the RTM_NEWADDRLABEL /
 * RTM_DELADDRLABEL / RTM_GETADDRLABEL requests of `ip addrlabel`.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readU32 } from './attr.js';
import { C } from './constants.js';
import { formatAddress } from './ip.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/** `IPV6_ADDR_LABEL_DEFAULT` (net/ipv6/addrlabel.c, not a UAPI header): not a label one may give. @internal */
export const IPV6_ADDR_LABEL_DEFAULT = 0xffffffff;

/** Size of `struct ifaddrlblmsg`. @internal */
export const IFADDRLBLMSG_LEN = 12;

/** An IPv6 address label, as `ip addrlabel list` prints it, typed. A snapshot. */
export class AddrLabel extends KernelObject {
  /** The prefix it labels: `2001:db8::/32`. */
  prefix = '::/0';
  /** The prefix's address (`ip -j addrlabel`'s `address`). */
  address = '::';
  /** The prefix length. */
  prefixLength = 0;
  /** The label: addresses with equal labels are preferred as source and destination of each other. */
  label = 0;
  /** The interface it is limited to (`dev`), or null for all. */
  dev: string | null = null;
  /** The interface's index; 0 for all. */
  index = 0;

  /** The object as `ip addrlabel list` prints it on one line. */
  override toString(): string {
    return `prefix ${this.prefix}${this.index ? ` dev ${this.dev ?? this.index}` : ''} label ${this.label}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `AddrLabel <${this.toString()}>`;
  }
}

/** Reads an RTM_NEWADDRLABEL message; other messages give undefined. @internal */
export function parseAddrLabel(m: RawMessage): AddrLabel | undefined {
  if (m.type !== C.RTM_NEWADDRLABEL || m.end - m.start < IFADDRLBLMSG_LEN) return undefined;
  const buf = m.buf;
  if (buf[m.start] !== C.AF_INET6) return undefined;
  const l = new AddrLabel(buf, m.start + IFADDRLBLMSG_LEN, m.end);
  l.prefixLength = buf[m.start + 2]!;
  l.index = readU32(buf, m.start + 4);
  eachAttr(buf, m.start + IFADDRLBLMSG_LEN, m.end, (type, s, e) => {
    if (type === C.IFAL_ADDRESS) l.address = formatAddress(buf, s, e);
    else if (type === C.IFAL_LABEL && e - s >= 4) l.label = readU32(buf, s);
  });
  l.prefix = `${l.address}/${l.prefixLength}`;
  return l;
}

/** One label in a request, checked and resolved. @internal */
export interface AddrLabelMessage {
  /** 16 bytes. */
  address: Buffer;
  prefixLength: number;
  /** 0: every interface. */
  index: number;
  label: number;
}

/** RTM_NEWADDRLABEL (`ip addrlabel add`, with `replace` as the kernel allows) or RTM_DELADDRLABEL (`ip addrlabel del`). @internal */
export function encodeAddrLabel(cmd: 'add' | 'replace' | 'delete', l: AddrLabelMessage): Buffer {
  const flags = cmd === 'delete' ? 0 : C.NLM_F_CREATE | (cmd === 'replace' ? C.NLM_F_REPLACE : C.NLM_F_EXCL);
  const w = new MessageWriter(cmd === 'delete' ? C.RTM_DELADDRLABEL : C.RTM_NEWADDRLABEL, C.NLM_F_REQUEST | C.NLM_F_ACK | flags, 64);
  w.u8(C.AF_INET6).u8(0).u8(l.prefixLength).u8(0).u32(l.index).u32(0);
  w.putU32(C.IFAL_LABEL, l.label);
  w.putBytes(C.IFAL_ADDRESS, l.address);
  return w.finish();
}

/** RTM_GETADDRLABEL dump: `ip addrlabel list`. @internal */
export function encodeDumpAddrLabels(): Buffer {
  const w = new MessageWriter(C.RTM_GETADDRLABEL, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  w.u8(C.AF_INET6).u8(0).u8(0).u8(0).u32(0).u32(0);
  return w.finish();
}
