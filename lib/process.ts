/**
 * Processes inside a namespace, as `ip netns exec` runs them, through the small helper built
 * with the addon: it enters the namespace through a descriptor handed to it, closes that, and
 * execs the command directly (no shell: the arguments reach it as they are).
 * @packageDocumentation
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { showValue } from './validate.js';

const HELPER = 'netns-link-exec';
let helper: string | undefined;

/** The helper executable: from a local build, or the prebuild shipped in the package. @internal */
export function helperPath(): string {
  if (helper) return helper;
  const root = join(__dirname, '..');
  const candidates = [join(root, 'build', 'Release', HELPER), join(root, 'prebuilds', `${process.platform}-${process.arch}`, HELPER)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`netns-link: the ${HELPER} helper is missing (looked in ${candidates.join(', ')}); reinstall, or build with node-gyp`);
  helper = found;
  return found;
}

/**
 * Options of {@link Netns.spawn}: those of Node's `child_process.spawn`, except `shell` (the
 * command runs directly, never through a shell).
 */
export type NetnsSpawnOptions = Omit<SpawnOptions, 'shell' | 'argv0'>;

/** Options of {@link Netns.exec}. */
export interface NetnsExecOptions extends Omit<NetnsSpawnOptions, 'stdio'> {
  /** Written to the command's standard input, which is then closed. */
  input?: string | Buffer;
  /** Largest output kept per stream, in bytes; more kills the command. Default 64 MiB. */
  maxBuffer?: number;
  /** Kill the command (SIGTERM) after this many milliseconds. */
  timeout?: number;
}

/** What {@link Netns.exec} resolves with. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/**
 * A command run by {@link Netns.exec} that did not succeed: it exited non-zero, was killed, or
 * could not be started inside the namespace (the helper then exits 127 and says why on stderr).
 */
export class ExecError extends Error {
  /** The exit code, or null if a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command and its arguments. */
  readonly command: readonly string[];

  /** @internal */
  constructor(where: string, command: readonly string[], exitCode: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const said = stderr.trim().split('\n').pop();
    super(`exec ${command.join(' ')} in netns ${where} ${how}${said ? `: ${said}` : ''}`);
    this.name = 'ExecError';
    this.exitCode = exitCode;
    this.signal = signal;
    this.stdout = stdout;
    this.stderr = stderr;
    this.command = command;
  }
}

function checkCommand(command: unknown, args: unknown): string[] {
  if (typeof command !== 'string' || command.length === 0 || command.includes('\0')) {
    throw new TypeError(`command must be a non-empty string without NUL, got ${showValue(command)}`);
  }
  if (!Array.isArray(args)) throw new TypeError(`args must be an array of strings, got ${showValue(args)}`);
  for (const a of args) {
    if (typeof a !== 'string' || a.includes('\0')) throw new TypeError(`each argument must be a string without NUL, got ${showValue(a)}`);
  }
  return args as string[];
}

function stdioArray(stdio: StdioOptions | undefined): (string | number | null | undefined | object)[] {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  const out: (string | number | null | undefined | object)[] = [...stdio];
  while (out.length < 3) out.push('pipe');
  return out;
}

/** What process operations need of a namespace. @internal */
export interface ProcessHost {
  readonly label: string;
  /** Set for a namespace named under /run/netns: `ip netns exec` semantics apply. */
  readonly name: string | null;
  borrowFd(): number;
  returnFd(): void;
}

/** `ip netns exec NAME COMMAND ARGS...`, as a ChildProcess. @internal */
export function spawnIn(host: ProcessHost, command: string, args: readonly string[] = [], options: NetnsSpawnOptions = {}): ChildProcess {
  const argv = checkCommand(command, args);
  if (options === null || typeof options !== 'object') throw new TypeError(`spawn options must be an object, got ${showValue(options)}`);
  if ('shell' in options && (options as SpawnOptions).shell) throw new TypeError('shell is not supported: the command runs directly, with its arguments as given');
  const exe = helperPath();
  const stdio = stdioArray(options.stdio);
  // The namespace's descriptor goes to the helper in one extra slot; the helper closes it
  // before the exec. spawn() forks synchronously, so it can be given back right after.
  const slot = stdio.length;
  stdio.push(host.borrowFd());
  try {
    return nodeSpawn(exe, [String(slot), host.name ?? '', '--', command, ...argv], { ...options, stdio: stdio as StdioOptions });
  } finally {
    host.returnFd();
  }
}

/** Runs a command to completion inside the namespace. @internal */
export function execIn(host: ProcessHost, command: string, args: readonly string[] = [], options: NetnsExecOptions = {}): Promise<ExecResult> {
  const { input, maxBuffer = 64 << 20, timeout, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawnIn(host, command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killedFor: string | null = null;
    const collect = (into: Buffer[]) => {
      let size = 0;
      return (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBuffer) {
          killedFor = `output over maxBuffer (${maxBuffer} bytes)`;
          child.kill('SIGTERM');
          return;
        }
        into.push(chunk);
      };
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    const timer = timeout === undefined ? undefined : setTimeout(() => {
      killedFor = `timeout of ${timeout} ms`;
      child.kill('SIGTERM');
    }, timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString() + (killedFor ? `\nkilled: ${killedFor}` : '');
      if (code === 0 && !killedFor) resolve({ stdout, stderr });
      else reject(new ExecError(host.label, [command, ...args], code, signal, stdout, stderr));
    });
    child.stdin!.on('error', () => undefined); // a command that never reads its input
    child.stdin!.end(input);
  });
}
