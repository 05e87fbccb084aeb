/**
 * IPv6 address label operations (`ip addrlabel`): add, delete, list. Labels steer source and
 * destination address selection (RFC 6724): an address whose label equals the destination's
 * is preferred as its source.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkIfname, checkInt, checkOptions, opt } from '../validate.js';
import { encodeAddrLabel, encodeDumpAddrLabels, IPV6_ADDR_LABEL_DEFAULT, parseAddrLabel, type AddrLabel } from '../wire/addrlabel.js';
import { parsePrefix, type IpPrefix } from '../wire/ip.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EEXIST, ESRCH, ENODEV } = constants.errno;

/** A label to add: `ip addrlabel add prefix PREFIX [dev IFNAME] label N`. */
export interface AddrLabelSpec {
  /** An IPv6 prefix, `2001:db8::/32`; a bare address is a /128. */
  prefix: string;
  /** The label, 0–4294967294. */
  label: number;
  /** Only for addresses on this interface (`dev`); default every interface. */
  dev?: string;
  /** Replace the label of the same prefix and interface instead of failing with `EEXIST`. */
  replace?: boolean;
}

/** Which label to delete: `ip addrlabel del prefix PREFIX [dev IFNAME] [label N]`. */
export interface AddrLabelKey {
  /** The prefix, as given when added. */
  prefix: string;
  /** The interface it was limited to, if it was. */
  dev?: string;
  /** Checked if given, but not part of the match: the kernel matches the prefix and the interface. */
  label?: number;
}

/** Options of {@link Netns.deleteAddrLabel}. */
export interface DeleteAddrLabelOptions {
  /** Succeed if there is no such label (instead of `ESRCH`). */
  missingOk?: boolean;
}

function checkPrefix(v: unknown): IpPrefix {
  const p = parsePrefix(v, 'prefix');
  if (p.family !== 6) throw new TypeError(`prefix ${p.text} is IPv4: address labels are for IPv6 only (an IPv4 address is labelled as ::ffff:${p.text.split('/')[0]})`);
  return p;
}

function checkLabel(v: unknown): number {
  return checkInt(v, 0, IPV6_ADDR_LABEL_DEFAULT - 1, 'label');
}

function labelCtx(h: NsHandle, op: string, prefix: string, dev: string | undefined): ErrorContext {
  const where = `prefix ${prefix}${dev === undefined ? '' : ` dev ${dev}`}`;
  return {
    op,
    object: { prefix, ...(dev === undefined ? {} : { dev }), netns: h.label },
    subject: `${where} in netns ${h.label}`,
    hints: {
      [EEXIST]: `${where} already has a label (replace: true changes it)`,
      [ESRCH]: `no label for ${where}`,
      [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}`,
    },
  };
}

async function send(h: NsHandle, op: string, cmd: 'add' | 'replace' | 'delete', p: IpPrefix, dev: string | undefined, label: number, missingOk = false): Promise<void> {
  const ctx: Ctx = () => labelCtx(h, op, p.text, dev);
  const conn = await h.connection(op);
  const index = dev === undefined ? 0 : await resolveIndex(conn, h.label, dev, ctx);
  const msg = encodeAddrLabel(cmd, { address: p.bytes, prefixLength: p.prefixLength, index, label });
  await unlessMissing(conn.change(msg, ctx), ESRCH, missingOk);
}

/** `ip addrlabel add prefix PREFIX [dev IFNAME] label N`. @internal */
export async function addAddrLabel(h: NsHandle, spec: AddrLabelSpec): Promise<void> {
  const o = checkOptions(spec, 'addrlabel', ['prefix', 'label', 'dev', 'replace']);
  const p = checkPrefix(o.prefix);
  if (o.label === undefined) throw new TypeError(`addrlabel ${p.text} needs a label`);
  const label = checkLabel(o.label);
  const dev = opt(o.dev, (v) => checkIfname(v, 'dev'));
  const replace = opt(o.replace, (v) => checkBoolean(v, 'replace')) ?? false;
  await send(h, 'addAddrLabel', replace ? 'replace' : 'add', p, dev, label);
}

/** `ip addrlabel del prefix PREFIX [dev IFNAME]`. @internal */
export async function deleteAddrLabel(h: NsHandle, key: AddrLabelKey, options: DeleteAddrLabelOptions | undefined): Promise<void> {
  const k = checkOptions(key, 'addrlabel', ['prefix', 'dev', 'label']);
  const o = checkOptions(options, 'deleteAddrLabel options', ['missingOk']);
  const p = checkPrefix(k.prefix);
  const dev = opt(k.dev, (v) => checkIfname(v, 'dev'));
  // The kernel wants a label in a delete too, and ignores it.
  const label = opt(k.label, checkLabel) ?? 0;
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  await send(h, 'deleteAddrLabel', 'delete', p, dev, label, missingOk);
}

/** `ip addrlabel list`. @internal */
export async function addrLabels(h: NsHandle): Promise<AddrLabel[]> {
  const conn = await h.connection('addrLabels');
  const found = await conn.dump(encodeDumpAddrLabels(), { op: 'addrLabels', object: { netns: h.label }, subject: `in netns ${h.label}` }, parseAddrLabel);
  const name = linkNamer(conn);
  for (const l of found) if (l.index !== 0) l.dev = name(l.index);
  return found;
}
