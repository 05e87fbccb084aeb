/**
 * Addresses on the wire: the typed {@link Address} parsed from RTM_NEWADDR, and the
 * RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR requests, IPv4 and IPv6 alike.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { MessageWriter, readString, readU16, readU32 } from './attr.js';
import { C, IFADDRMSG_LEN, NLA_TYPE_MASK } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { ADDR_FLAGS, bitNames, nameOf, SCOPES, type Scope } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/** IFA_CACHEINFO's "forever". @internal */
export const FOREVER = 0xffffffff;

/**
 * Who added an address (IFA_PROTO), as `ip addr` names the values the kernel itself sets:
 * `kernel_lo` (loopback), `kernel_ra` (from a router advertisement), `kernel_ll` (IPv6
 * link-local). Any other number 1–255 is the user's own.
 */
export type AddressProtocol = 'kernel_lo' | 'kernel_ra' | 'kernel_ll';

/**
 * `IFAPROT_*` (linux/if_addr.h).
 * @internal
 */
export const ADDRESS_PROTOCOLS: Readonly<Record<AddressProtocol, number>> = {
  kernel_lo: C.IFAPROT_KERNEL_LO,
  kernel_ra: C.IFAPROT_KERNEL_RA,
  kernel_ll: C.IFAPROT_KERNEL_LL,
};

/** An address on an interface, as `ip addr show` prints it, typed. A snapshot. */
export class Address extends KernelObject {
  /** The interface's name. */
  ifname = '';
  /** The interface's index. */
  index = 0;
  /** 4 or 6. */
  family: Family = 4;
  /** The address itself (`IFA_LOCAL`), e.g. `192.0.2.1` or `2001:db8::1`. */
  address = '';
  /** The prefix length: 24 in `192.0.2.1/24`. */
  prefixLength = 0;
  /** For a point-to-point address, the peer (`IFA_ADDRESS` when it differs), else null. */
  peer: string | null = null;
  /** The IPv4 broadcast address, or null. */
  broadcast: string | null = null;
  /** The scope: `global`, `link`, `host`, … (or a number without a name). */
  scope: Scope | number = 'global';
  /** The raw `IFA_F_*` flags. */
  flags = 0;
  /** The IPv4 label (`eth0:1`), or null. */
  label: string | null = null;
  /** Seconds the address stays valid; `Infinity` for `forever`. */
  validLifetime = Infinity;
  /** Seconds the address stays preferred; `Infinity` for `forever`. */
  preferredLifetime = Infinity;
  /** The metric of the prefix route the kernel adds for it, or null. */
  metric: number | null = null;
  /** Who added it (IFA_PROTO, `proto`), or null when nobody said (0). */
  protocol: AddressProtocol | number | null = null;

  /** The address with its prefix: `192.0.2.1/24`. */
  get cidr(): string {
    return `${this.address}/${this.prefixLength}`;
  }

  /** Flag names as `ip addr` prints them: `['permanent', 'nodad']`. */
  get flagNames(): string[] {
    return bitNames(ADDR_FLAGS, this.flags);
  }
  /** Not subject to expiry (`IFA_F_PERMANENT`): added by hand, not by autoconfiguration. */
  get permanent(): boolean {
    return (this.flags & C.IFA_F_PERMANENT) !== 0;
  }
  /** IPv6 duplicate address detection still running: not usable yet. */
  get tentative(): boolean {
    return (this.flags & C.IFA_F_TENTATIVE) !== 0;
  }
  /** Past its preferred lifetime. */
  get deprecated(): boolean {
    return (this.flags & C.IFA_F_DEPRECATED) !== 0;
  }

  /** The object as `ip` prints it on one line, e.g. in `ip monitor`. */
  override toString(): string {
    const parts = [this.peer === null ? this.cidr : `${this.address} peer ${this.peer}/${this.prefixLength}`, `dev ${this.ifname || this.index}`, `scope ${this.scope}`, ...this.flagNames];
    if (this.broadcast) parts.splice(1, 0, `brd ${this.broadcast}`);
    return `${parts.join(' ')}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Address <${this.toString()}>`;
  }
}

/** Reads an RTM_NEWADDR message; other messages give undefined. @internal */
export function parseAddress(m: RawMessage): Address | undefined {
  if (m.type !== C.RTM_NEWADDR || m.end - m.start < IFADDRMSG_LEN) return undefined;
  const buf = m.buf;
  const a = new Address(buf, m.start + IFADDRMSG_LEN, m.end);
  const af = buf[m.start]!;
  a.family = af === C.AF_INET6 ? 6 : 4;
  a.prefixLength = buf[m.start + 1]!;
  a.flags = buf[m.start + 2]!;
  a.scope = nameOf(SCOPES, buf[m.start + 3]!);
  a.index = readU32(buf, m.start + 4);
  // Where IFA_LOCAL and IFA_ADDRESS lie: formatted after the loop, once when they are the same.
  let localAt = -1;
  let localEnd = -1;
  let addressAt = -1;
  let addressEnd = -1;
  // Written out, not through eachAttr, for the same reason as in parseLink: dumps of thousands.
  for (let at = m.start + IFADDRMSG_LEN; at + 4 <= m.end; ) {
    const alen = readU16(buf, at);
    if (alen < 4 || at + alen > m.end) break;
    const type = readU16(buf, at + 2) & NLA_TYPE_MASK;
    const s = at + 4;
    const e = at + alen;
    at += (alen + 3) & ~3;
    switch (type) {
      case C.IFA_LOCAL:
        localAt = s;
        localEnd = e;
        break;
      case C.IFA_ADDRESS:
        addressAt = s;
        addressEnd = e;
        break;
      case C.IFA_BROADCAST:
        a.broadcast = formatAddress(buf, s, e);
        break;
      case C.IFA_LABEL:
        a.label = readString(buf, s, e);
        break;
      case C.IFA_FLAGS:
        if (e - s >= 4) a.flags = readU32(buf, s);
        break;
      case C.IFA_RT_PRIORITY:
        if (e - s >= 4) a.metric = readU32(buf, s);
        break;
      case C.IFA_PROTO:
        if (e - s >= 1 && buf[s] !== 0) a.protocol = nameOf(ADDRESS_PROTOCOLS, buf[s]!);
        break;
      case C.IFA_CACHEINFO:
        if (e - s >= 8) {
          const preferred = readU32(buf, s);
          const valid = readU32(buf, s + 4);
          a.preferredLifetime = preferred === FOREVER ? Infinity : preferred;
          a.validLifetime = valid === FOREVER ? Infinity : valid;
        }
        break;
      default:
        break; // kept: Address.attribute() reads any attribute
    }
  }
  // IPv4 sends both (IFA_ADDRESS is the peer on point-to-point links, else the same bytes);
  // IPv6 sends IFA_ADDRESS alone, or both when it has a peer.
  const local = localAt < 0 ? null : formatAddress(buf, localAt, localEnd);
  const same = local !== null && addressAt >= 0 && buf.compare(buf, localAt, localEnd, addressAt, addressEnd) === 0;
  const address = addressAt < 0 || same ? null : formatAddress(buf, addressAt, addressEnd);
  a.address = local ?? address ?? '';
  if (local !== null && address !== null && address !== local) a.peer = address;
  return a;
}

/** One address in a request, checked and resolved. @internal */
export interface AddressMessage {
  /** AF_INET or AF_INET6. */
  af: number;
  prefixLength: number;
  /** The interface's index. */
  index: number;
  /** The address's bytes (IFA_LOCAL, and IFA_ADDRESS unless `peer`). */
  local: Buffer;
  /** A point-to-point peer's bytes (IFA_ADDRESS); `prefixLength` is the peer's. */
  peer?: Buffer;
  /** IFA_PROTO. */
  protocol?: number;
  /** `IFA_F_*`; the low byte goes in the header, the rest in IFA_FLAGS. */
  flags?: number;
  scope?: number;
  broadcast?: Buffer;
  label?: string;
  metric?: number;
  /** [preferred, valid] in seconds, FOREVER for forever. */
  lifetimes?: readonly [number, number];
}

function ifaddrmsg(w: MessageWriter, af: number, prefixLength: number, flags: number, scope: number, index: number): void {
  w.u8(af).u8(prefixLength).u8(flags & 0xff).u8(scope).u32(index);
}

/** RTM_NEWADDR: `ip addr add` (or `ip addr replace` with `replace`). @internal */
export function encodeNewAddress(a: AddressMessage, replace: boolean): Buffer {
  const w = new MessageWriter(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL), 128);
  const flags = a.flags ?? 0;
  ifaddrmsg(w, a.af, a.prefixLength, flags, a.scope ?? C.RT_SCOPE_UNIVERSE, a.index);
  w.putBytes(C.IFA_LOCAL, a.local);
  w.putBytes(C.IFA_ADDRESS, a.peer ?? a.local);
  if (a.broadcast) w.putBytes(C.IFA_BROADCAST, a.broadcast);
  if (a.label !== undefined) w.putStrz(C.IFA_LABEL, a.label);
  if (flags > 0xff) w.putU32(C.IFA_FLAGS, flags);
  if (a.metric !== undefined) w.putU32(C.IFA_RT_PRIORITY, a.metric);
  if (a.lifetimes) {
    const at = w.nestStart(C.IFA_CACHEINFO);
    w.u32(a.lifetimes[0]).u32(a.lifetimes[1]).u32(0).u32(0);
    w.nestEnd(at);
  }
  if (a.protocol !== undefined) w.putU8(C.IFA_PROTO, a.protocol);
  return w.finish();
}

/** RTM_DELADDR: `ip addr del`. @internal */
export function encodeDelAddress(a: Pick<AddressMessage, 'af' | 'prefixLength' | 'index' | 'local' | 'peer'>): Buffer {
  const w = new MessageWriter(C.RTM_DELADDR, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifaddrmsg(w, a.af, a.prefixLength, 0, 0, a.index);
  w.putBytes(C.IFA_LOCAL, a.local);
  // IPv4 matches a point-to-point address by its peer's prefix: IFA_ADDRESS must be the peer.
  w.putBytes(C.IFA_ADDRESS, a.peer ?? a.local);
  return w.finish();
}

/** RTM_GETADDR dump, of one family (AF_UNSPEC: both) and one interface (0: all). @internal */
export function encodeDumpAddresses(af: number, index: number): Buffer {
  const w = new MessageWriter(C.RTM_GETADDR, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ifaddrmsg(w, af, 0, 0, 0, index);
  return w.finish();
}
