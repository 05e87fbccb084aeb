/**
 * What a topology made, recorded under `/run/netns-link/topologies/NAME.json`: `/run` is a
 * tmpfs, like the namespaces themselves, so a record never outlives what it describes (a
 * reboot clears both). A lock file beside it keeps two applies of one topology apart. Records
 * are read and written synchronously, as lock files are (see lock.ts): a few kilobytes on a
 * tmpfs take microseconds, four pool round trips a millisecond or more.
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../lock.js';
import type { RouteModel } from './document.js';

/** Where records live. @internal */
export const RECORD_DIR = process.env.NETNS_LINK_TOPOLOGY_DIR ?? '/run/netns-link/topologies';

/** What one topology owns. @internal */
export interface TopologyRecord {
  name: string;
  /** Made (deleted by destroy) or attached (only the name is removed). */
  namespaces: { name: string; made: boolean }[];
  /** Bridges and both ends of each veth pair. */
  links: { ns: string; name: string; peer: { ns: string; name: string } | null }[];
  addresses: { ns: string; ifname: string; cidr: string }[];
  routes: { ns: string; route: Omit<RouteModel, 'ns'> }[];
  /** Sysctls set, with the value each had before the topology first set it. */
  sysctl: { ns: string; key: string; before: string | null }[];
}

function recordPath(name: string): string {
  return join(RECORD_DIR, `${name}.json`);
}

/** The record, or null if the topology made nothing (or it was destroyed). @internal */
export async function readRecord(name: string): Promise<TopologyRecord | null> {
  try {
    return JSON.parse(readFileSync(recordPath(name), 'utf8')) as TopologyRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes the record whole or not at all (a rename over the old one). @internal */
export async function writeRecord(r: TopologyRecord): Promise<void> {
  mkdirSync(RECORD_DIR, { recursive: true, mode: 0o700 });
  const tmp = `${recordPath(r.name)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, recordPath(r.name));
}

/** @internal */
export async function removeRecord(name: string): Promise<void> {
  rmSync(recordPath(name), { force: true });
}

/**
 * Takes the topology's lock (a file beside its record), waiting while another live process
 * holds it. Resolves with the function that gives it back.
 * @internal
 */
export function lock(name: string, timeoutMs = 60_000): Promise<() => Promise<void>> {
  const path = join(RECORD_DIR, `${name}.lock`);
  return acquireLock(path, timeoutMs, (owner) => new Error(`topology ${name} is locked by pid ${owner} (${path}) for more than ${timeoutMs} ms`), 20);
}
