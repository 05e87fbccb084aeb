/**
 * Interface names to indexes and back, in one place. Fast path: SIOCGIFINDEX / SIOCGIFNAME on
 * the namespace's own netlink socket (native/socket.cc), a lock-free lookup with no netlink
 * round trip. A name that does not exist yet is asked again with an RTM_GETLINK queued behind
 * the requests already made, so a link created by a request of the same batch
 * (`Promise.all([createBridge('br0'), createVeth('v0', { master: 'br0' })])`) is found, as the
 * kernel's order says.
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import type { NsHandle } from '../handle.js';
import { withHints, type Ctx } from '../errors.js';
import { encodeGetLink, parseLinkIndex } from '../wire/link-message.js';

const { ENODEV } = constants.errno;

/**
 * The index of the link named `ifname` on `conn`'s namespace (`label` names it in errors): a
 * number at once when the fast path finds it (no promise made per request), else a promise.
 * @internal
 */
export function resolveIndex(conn: Connection, label: string, ifname: string, ctx: Ctx): number | Promise<number> {
  const index = conn.ifindex(ifname);
  if (index > 0) return index;
  return askKernel(conn, label, ifname, ctx);
}

async function askKernel(conn: Connection, label: string, ifname: string, ctx: Ctx): Promise<number> {
  const [found] = await conn.request(encodeGetLink(ifname, true), withHints(ctx, { [ENODEV]: `no interface named ${ifname} in netns ${label}` }), parseLinkIndex);
  if (found === undefined) throw new TypeError(`the kernel answered no link for ${ifname}`);
  return found;
}

/**
 * Calls `then` with the namespace's connection and the indexes of `ifnames` in it (in order),
 * awaiting only what is not at hand: on the fast path (socket open, every name known) `then`
 * runs at once, with no promise made and no microtask turn before the request is queued. A
 * name not known yet is asked of the kernel a microtask later, as an `async` operation's first
 * `await` would: behind the requests of the calls made just before (`Promise.all([createBridge
 * ('br0'), addAddress('br0', …)])` finds the bridge). `present`, a link the request names only
 * by name (`setUp`), is looked up for that order alone: if the kernel has it the request goes at
 * once, else a microtask later, behind the call of this tick that is making it. The caller turns
 * a synchronous throw into a rejection.
 * @internal
 */
export function withIndexes<T>(
  h: NsHandle,
  op: string,
  ifnames: readonly string[],
  ctx: Ctx,
  then: (conn: Connection, indexes: readonly number[]) => Promise<T>,
  present?: string,
): Promise<T> {
  const c = h.connection(op);
  if (c instanceof Promise) return c.then(() => withIndexes(h, op, ifnames, ctx, then, present));
  const indexes: number[] = [];
  let known = present === undefined || c.ifindex(present) > 0;
  for (let i = 0; known && i < ifnames.length; i++) {
    const index = c.ifindex(ifnames[i]!);
    if (index > 0) indexes.push(index);
    else known = false;
  }
  if (known) return then(c, indexes);
  return later(c, h.label, ifnames, ctx, then);
}

/** {@link withIndexes} for one name, with no list made on the fast path (addresses: W3). @internal */
export function withIndex<T>(h: NsHandle, op: string, ifname: string, ctx: Ctx, then: (conn: Connection, index: number) => Promise<T>): Promise<T> {
  const c = h.connection(op);
  if (c instanceof Promise) return c.then(() => withIndex(h, op, ifname, ctx, then));
  const index = c.ifindex(ifname);
  if (index > 0) return then(c, index);
  return later(c, h.label, [ifname], ctx, (conn, indexes) => then(conn, indexes[0]!));
}

/** The slow path of both: every name resolved (asked of the kernel if need be) a microtask later. */
function later<T>(c: Connection, label: string, ifnames: readonly string[], ctx: Ctx, then: (conn: Connection, indexes: readonly number[]) => Promise<T>): Promise<T> {
  return Promise.resolve()
    .then(() => Promise.all(ifnames.map((n) => resolveIndex(c, label, n, ctx))))
    .then((found) => then(c, found));
}

/** A link given by index (as is) or by name (resolved). @internal */
export function indexOf(conn: Connection, label: string, link: string | number, ctx: Ctx): number | Promise<number> {
  return typeof link === 'number' ? link : resolveIndex(conn, label, link, ctx);
}

/**
 * Names links by index for results that carry only an index (addresses, routes, neighbours):
 * SIOCGIFNAME once per distinct index, not a whole link dump.
 * @internal
 */
export function linkNamer(conn: Connection): (index: number) => string | null {
  const names = new Map<number, string | null>();
  return (index) => {
    let name = names.get(index);
    if (name === undefined) {
      const r = conn.ifname(index);
      name = typeof r === 'string' ? r : null;
      names.set(index, name);
    }
    return name;
  };
}
