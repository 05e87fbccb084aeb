/**
 * IPAM delegated as the spec says: the plugin named in `ipam.type` is found in `CNI_PATH` and
 * run with the same configuration on stdin and the same environment (`CNI_COMMAND` as asked),
 * so `host-local`, `static` and `dhcp` work unchanged.
 * @internal
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Netns } from '../netns.js';
import { CODES, CniError, readResult, type CniEnv, type Command, type NetConf, type Result } from './spec.js';

/** The IPAM plugin's executable, from CNI_PATH; code 7 if its name is unsafe, 999 if it is not found. */
export function findPlugin(type: string, env: CniEnv): string {
  if (!/^[\w.-]+$/u.test(type)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `ipam.type ${JSON.stringify(type)} is not a plugin name`);
  for (const dir of env.path) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next directory
    }
  }
  throw new CniError(CODES.GENERIC, `failed to find plugin "${type}" in path [${env.path.join(' ')}]`);
}

/** How a plugin run ended. */
interface Ran {
  /** Its exit status; null if it was killed or could not start. */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to an exit status (not found, timed out, too much output). */
  error: Error | null;
}

const MAX_OUTPUT = 16 << 20;

/**
 * Runs a plugin as the runtime would: `input` on its stdin, the call's environment with
 * `CNI_COMMAND` as asked, in the runtime's network namespace (the agent's caller's, entered by
 * the exec helper, when that is not this process's). A plugin that exits before reading its
 * stdin (host-local answers VERSION without it) makes the write fail with EPIPE, which must not
 * become an uncaught error: the plugin's own answer and status say how it went.
 */
async function runPlugin(exe: string, input: string, env: CniEnv, command: Command, timeoutMs: number): Promise<Ran> {
  const vars = { ...env.vars, CNI_COMMAND: command };
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
  let child: ChildProcess;
  if (env.callerPid === null) {
    child = spawn(exe, [], { env: vars, stdio });
  } else {
    const ns = await Netns.fromPid(env.callerPid);
    try {
      child = ns.spawn(exe, [], { env: vars, stdio });
    } finally {
      ns.close();
    }
  }
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let error: Error | null = null;
    const stop = (e: Error): void => {
      error ??= e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const take = (into: Buffer[]) => (d: Buffer): void => {
      size += d.length;
      if (size > MAX_OUTPUT) stop(new Error(`wrote more than ${MAX_OUTPUT} bytes`));
      else into.push(d);
    };
    child.stdout?.on('data', take(out));
    child.stderr?.on('data', take(err));
    child.on('error', (e) => (error ??= e));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** A plugin's error object on its stdout, or null. */
function parseError(stdout: string): { code?: unknown; msg?: unknown; details?: unknown } | null {
  try {
    const v = JSON.parse(stdout) as unknown;
    return v !== null && typeof v === 'object' ? (v as { code?: unknown }) : null;
  } catch {
    return null;
  }
}

/**
 * Runs the IPAM plugin for `command`; its result (ADD), or nothing; its own error passed on. An
 * IPAM plugin older than a 1.1.0 configuration (host-local before plugins 1.5) is given the same
 * configuration as 1.0.0, whose results and verbs are the same for ADD, DEL and CHECK.
 */
export async function delegate(conf: NetConf, raw: string, env: CniEnv, command: Command): Promise<Result | null> {
  try {
    return await run(conf, raw, env, command);
  } catch (e) {
    if (!(e instanceof CniError) || e.code !== CODES.INCOMPATIBLE_VERSION || conf.cniVersion !== '1.1.0' || command === 'GC' || command === 'STATUS') throw e;
    const older = JSON.stringify({ ...(JSON.parse(raw) as object), cniVersion: '1.0.0' });
    return run({ ...conf, cniVersion: '1.0.0' }, older, env, command);
  }
}

async function run(conf: NetConf, raw: string, env: CniEnv, command: Command): Promise<Result | null> {
  const type = conf.ipam?.type;
  if (typeof type !== 'string' || type === '') return null;
  const r = await runPlugin(findPlugin(type, env), raw, env, command, 120_000);
  if (r.status !== 0 || r.error) {
    // A plugin's failure is a CNI error on its stdout: pass its code and message on.
    const parsed = parseError(r.stdout);
    if (!r.error && parsed && typeof parsed.code === 'number') throw new CniError(parsed.code, String(parsed.msg ?? `${type} failed`), typeof parsed.details === 'string' ? parsed.details : '');
    throw new CniError(CODES.GENERIC, `IPAM plugin ${type} failed: ${(r.stderr || r.error?.message || `exit status ${r.status}`).trim().slice(0, 500)}`);
  }
  if (command !== 'ADD') return null;
  try {
    return readResult(JSON.parse(r.stdout), `IPAM plugin ${type}`);
  } catch (e) {
    throw e instanceof CniError ? e : new CniError(CODES.DECODING_FAILURE, `IPAM plugin ${type} returned no JSON result`, r.stdout.slice(0, 500));
  }
}

/** The versions a plugin says it speaks (its VERSION answer). */
async function versionsOf(exe: string, env: CniEnv): Promise<string[]> {
  const r = await runPlugin(exe, '{"cniVersion":"1.1.0"}', env, 'VERSION', 30_000);
  try {
    const v = JSON.parse(r.stdout) as { supportedVersions?: unknown };
    return r.status === 0 && Array.isArray(v.supportedVersions) ? v.supportedVersions.map(String) : [];
  } catch {
    return [];
  }
}

/** STATUS and GC (CNI 1.1) go on to the IPAM plugin only if it speaks 1.1; an older one has neither. */
export async function delegateIfSpoken(conf: NetConf, raw: string, env: CniEnv, command: 'GC' | 'STATUS'): Promise<void> {
  const type = conf.ipam?.type;
  if (typeof type !== 'string' || type === '') return;
  const exe = findPlugin(type, env);
  if (!(await versionsOf(exe, env)).includes('1.1.0')) return;
  await delegate(conf, raw, env, command);
}
