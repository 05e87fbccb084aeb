/**
 * Namespace id operations: give another namespace an id in this one (`ip netns set NAME ID`)
 * and list the ids given (`ip netns list-id`), each named by what `/run/netns` calls it.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import type { ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { native, type NativeHandle } from '../native.js';
import { checkInt, showValue } from '../validate.js';
import { encodeDumpNsids, encodeGetNsid, encodeSetNsid, NSID_AUTO, NSID_MAX, parseNsid, parseNsidEntry, type Nsid } from '../wire/nsid.js';
import { list, NETNS_RUN_DIR } from './netns.js';

const { EEXIST, EINVAL } = constants.errno;

/** An id to give: 0–2147483647, or `'auto'` for the kernel to pick (`ip netns set NAME auto`). */
export type NsidSpec = number | 'auto';

function checkNsid(v: unknown): number {
  if (v === 'auto') return NSID_AUTO;
  if (typeof v !== 'number') throw new TypeError(`nsid must be a number 0..${NSID_MAX} or 'auto', got ${showValue(v)}`);
  return checkInt(v, 0, NSID_MAX, 'nsid');
}

/**
 * `ip netns set NAME ID`, run in `h` for the namespace `other`: resolves with the id `other`
 * now has there (the kernel's pick for `'auto'`).
 * @internal
 */
export async function setNsid(h: NsHandle, other: NsHandle, id: NsidSpec): Promise<number> {
  const nsid = checkNsid(id);
  const shown = nsid === NSID_AUTO ? 'auto' : String(nsid);
  const ctx: ErrorContext = {
    op: 'setNsid',
    object: { netns: h.label, other: other.label, nsid: id },
    subject: `nsid ${shown} for netns ${other.label} in netns ${h.label}`,
    hints: {
      [EEXIST]: `netns ${other.label} already has an id in netns ${h.label}, or id ${shown} names another namespace there: an id stays until its namespace goes`,
      [EINVAL]: 'the kernel refused the id',
    },
  };
  const conn = await h.connection('setNsid');
  // Both queued in this tick: one sendmsg, and the id read back is the one just set.
  const [, [got]] = await other.withFd((fd) => Promise.all([conn.request(encodeSetNsid(fd, nsid), ctx), conn.request(encodeGetNsid(fd), ctx, parseNsid)]));
  if (got === undefined || got < 0) throw new TypeError(`the kernel answered no id for netns ${other.label}`);
  return got;
}

/** The names under /run/netns by the id each has in `conn`'s namespace: first (sorted) name wins. */
async function namesById(conn: Connection, ctx: ErrorContext): Promise<Map<number, string>> {
  const names = await list();
  // Opened in the run dir without following links, as nsfs files only; one that went meanwhile is skipped.
  const opened = await Promise.all(names.map((n) => native.nsOpen(`${NETNS_RUN_DIR}/${n}`, NETNS_RUN_DIR).catch((): NativeHandle | null => null)));
  try {
    const ids = await Promise.all(
      opened.map((o) => (o === null ? undefined : conn.request(encodeGetNsid(o.fd), ctx, parseNsid).then(([id]) => id, () => undefined))),
    );
    const out = new Map<number, string>();
    ids.forEach((id, i) => {
      if (id !== undefined && id >= 0 && !out.has(id)) out.set(id, names[i]!);
    });
    return out;
  } finally {
    for (const o of opened) if (o !== null) native.close(o.fd);
  }
}

/** `ip netns list-id`, in `h`: the ids it gave other namespaces, sorted, each with its name if it has one. @internal */
export async function nsids(h: NsHandle): Promise<Nsid[]> {
  const ctx: ErrorContext = { op: 'nsids', object: { netns: h.label }, subject: `in netns ${h.label}` };
  const conn = await h.connection('nsids');
  const found = await conn.dump(encodeDumpNsids(), ctx, parseNsidEntry);
  if (found.length === 0) return found;
  const names = await namesById(conn, ctx);
  for (const n of found) n.netns = names.get(n.nsid) ?? null;
  return found.sort((a, b) => a.nsid - b.nsid);
}
