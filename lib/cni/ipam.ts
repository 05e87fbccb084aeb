/**
 * IPAM delegated as the spec says: the plugin named in `ipam.type` is found in `CNI_PATH` and
 * run with the same configuration on stdin and the same environment (`CNI_COMMAND` as asked),
 * so `host-local`, `static` and `dhcp` work unchanged.
 * @internal
 * @packageDocumentation
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
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

/**
 * Gives a plugin its stdin. A plugin that does not read it (host-local answers VERSION without
 * it) may exit first: the write then fails with EPIPE, which must not become an uncaught error
 * that ends this process; the plugin's own answer and status say how it went.
 */
function writeStdin(child: ChildProcess, data: string): void {
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(data);
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

function run(conf: NetConf, raw: string, env: CniEnv, command: Command): Promise<Result | null> {
  const type = conf.ipam?.type;
  if (typeof type !== 'string' || type === '') return Promise.resolve(null);
  const exe = findPlugin(type, env);
  return new Promise((resolve, reject) => {
    const child = execFile(exe, [], { env: { ...process.env, CNI_COMMAND: command }, maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) {
        // A plugin's failure is a CNI error on its stdout: pass its code and message on.
        const parsed = parseError(stdout);
        if (parsed && typeof parsed.code === 'number') {
          reject(new CniError(parsed.code, String(parsed.msg ?? `${type} failed`), typeof parsed.details === 'string' ? parsed.details : ''));
        } else {
          reject(new CniError(CODES.GENERIC, `IPAM plugin ${type} failed: ${(stderr || err.message).trim().slice(0, 500)}`));
        }
        return;
      }
      if (command !== 'ADD') {
        resolve(null);
        return;
      }
      try {
        resolve(readResult(JSON.parse(stdout), `IPAM plugin ${type}`));
      } catch (e) {
        reject(e instanceof CniError ? e : new CniError(CODES.DECODING_FAILURE, `IPAM plugin ${type} returned no JSON result`, stdout.slice(0, 500)));
      }
    });
    writeStdin(child, raw);
  });
}

/** The versions a plugin says it speaks (its VERSION answer). */
function versionsOf(exe: string): Promise<string[]> {
  return new Promise((resolve) => {
    const child = execFile(exe, [], { env: { ...process.env, CNI_COMMAND: 'VERSION' }, timeout: 30_000 }, (err, stdout) => {
      try {
        const v = JSON.parse(stdout) as { supportedVersions?: unknown };
        resolve(!err && Array.isArray(v.supportedVersions) ? v.supportedVersions.map(String) : []);
      } catch {
        resolve([]);
      }
    });
    writeStdin(child, '{"cniVersion":"1.1.0"}');
  });
}

/** STATUS and GC (CNI 1.1) go on to the IPAM plugin only if it speaks 1.1; an older one has neither. */
export async function delegateIfSpoken(conf: NetConf, raw: string, env: CniEnv, command: 'GC' | 'STATUS'): Promise<void> {
  const type = conf.ipam?.type;
  if (typeof type !== 'string' || type === '') return;
  const exe = findPlugin(type, env);
  if (!(await versionsOf(exe)).includes('1.1.0')) return;
  await delegate(conf, raw, env, command);
}
