#!/usr/bin/env node
// npm pack / npm publish: `prepack` builds what the tarball ships, `postpack` undoes the one
// change it makes to the working tree.
//
//   node scripts/pack.js prepack    the prebuilds: prebuilds/linux-arm64 (cross-compiled with
//                                   Debian's aarch64-linux-gnu toolchain) and prebuilds/linux-x64
//                                   (the host), each the addon, the netns-link-exec helper and
//                                   the netns-link-cni client, stripped, built with -Werror;
//                                   then dist/ (tsc and the ES
//                                   module face); last, package.json is replaced by the one users
//                                   get (no dev scripts), the original kept aside.
//   node scripts/pack.js postpack   puts the original package.json back.
//
// Each prebuild is compiled out of tree, in build/prebuilds/linux-ARCH/ (a copy of binding.gyp,
// native/ and package.json): the development build in build/Release, which the tests load, is
// left alone.
//
// npm packs the package.json on disk after prepack, and it does not run `prepare` when prepack
// has removed it, hence the build here. A pack that failed half-way leaves the original in
// BACKUP; the next prepack or postpack puts it back first.
//
// The addons are tagged glibc (netns-link.glibc.node): node-gyp-build does not offer them where
// libc is musl (Alpine), which builds from source instead (the install script, node-gyp).
//
// Without the cross toolchain (apt-get install g++-aarch64-linux-gnu) the arm64 prebuild is
// skipped with a warning, except for `npm publish`, which fails: a release ships both.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const PKG = join(root, 'package.json');
const BACKUP = join(root, '.package.json.prepack');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// e_machine in the ELF header, per prebuild directory.
const MACHINE = { x64: 62, arm64: 183 };
const CROSS = {
  arm64: { prefix: 'aarch64-linux-gnu-', apt: 'g++-aarch64-linux-gnu' },
  x64: { prefix: 'x86_64-linux-gnu-', apt: 'g++-x86-64-linux-gnu' },
};

function run(cmd, args, { cwd = root, env = {} } = {}) {
  console.error(`pack: ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NETNS_LINK_WERROR: '1', ...env } });
}

function restore() {
  if (existsSync(BACKUP)) renameSync(BACKUP, PKG);
}

function elfMachine(file) {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(20);
  readSync(fd, head, 0, 20, 0);
  closeSync(fd);
  return head.readUInt32BE(0) === 0x7f454c46 ? head.readUInt16LE(18) : -1;
}

/** prebuilds/linux-ARCH: the addon (prebuildify) and the helper, both stripped. */
function prebuild(arch, tools) {
  const name = `linux-${arch}`;
  const work = join(root, 'build', 'prebuilds', name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const f of ['binding.gyp', 'package.json']) copyFileSync(join(root, f), join(work, f));
  cpSync(join(root, 'native'), join(work, 'native'), { recursive: true, filter: (p) => !p.startsWith(join(root, 'native', 'fuzz')) });
  const env = tools ? {
    CC: `${tools}gcc`, CXX: `${tools}g++`, LINK: `${tools}g++`, AR: `${tools}ar`, PREBUILD_STRIP_BIN: `${tools}strip`,
  } : {};
  const args = ['--napi', '--strip', '--tag-libc', '--out', root];
  if (arch !== process.arch) args.push('--arch', arch);
  run(bin('prebuildify'), args, { cwd: work, env });
  // The flag took: binding.gyp put -Werror into every target's makefile.
  const makefiles = readdirSync(join(work, 'build')).filter((f) => f.endsWith('.target.mk'));
  const lax = makefiles.filter((f) => !readFileSync(join(work, 'build', f), 'utf8').includes('-Werror'));
  if (!makefiles.length || lax.length) throw new Error(`pack: ${name} was not built with -Werror (${lax.join(' ') || 'no makefile'})`);
  const dir = join(root, 'prebuilds', name);
  // The executables beside the addon: the exec helper and the CNI plugins' client.
  const helpers = ['netns-link-exec', 'netns-link-cni'].map((exe) => {
    const path = join(dir, exe);
    copyFileSync(join(work, 'build', 'Release', exe), path);
    chmodSync(path, 0o755);
    execFileSync(tools ? `${tools}strip` : 'strip', [path]);
    return path;
  });
  for (const f of [join(dir, 'netns-link.glibc.node'), ...helpers]) {
    if (elfMachine(f) !== MACHINE[arch]) throw new Error(`pack: ${f} is not a ${name} ELF file (e_machine ${elfMachine(f)})`);
  }
}

function prepack() {
  restore();
  rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
  for (const arch of Object.keys(CROSS).filter((a) => a !== process.arch)) {
    const { prefix, apt } = CROSS[arch];
    if (spawnSync(`${prefix}g++`, ['--version'], { stdio: 'ignore' }).status !== 0) {
      const why = `pack: no linux-${arch} prebuild: ${prefix}g++ is not installed (apt-get install ${apt})`;
      if (process.env.npm_command === 'publish') throw new Error(`${why}; a release ships it`);
      console.error(`${why}; the tarball will not have it`);
      continue;
    }
    prebuild(arch, prefix);
  }
  prebuild(process.arch, '');
  // After the addon: esm-wrapper.js loads dist/index.js, and with it an addon (build/Release,
  // or in a fresh clone the prebuild just made).
  run(bin('tsc'), ['-p', 'tsconfig.json']);
  run(process.execPath, [join(__dirname, 'esm-wrapper.js')]);

  // The package.json users get: the dev scripts cannot run from the tarball (no lib/, no tests,
  // no dev dependencies), and npm warns about `prepare`. `install` stays, without the -Werror
  // switch: where no prebuild matches (musl, other architectures) node-gyp-build compiles.
  const text = readFileSync(PKG, 'utf8');
  const pkg = JSON.parse(text);
  pkg.scripts = { install: 'node-gyp-build' };
  writeFileSync(BACKUP, text);
  writeFileSync(PKG, `${JSON.stringify(pkg, null, 2)}\n`);
}

const verb = process.argv[2];
if (verb === 'prepack') {
  try {
    prepack();
  } catch (err) {
    restore();
    console.error(err.message);
    process.exit(1);
  }
} else if (verb === 'postpack') {
  restore();
} else {
  console.error('usage: pack.js prepack | postpack');
  process.exit(2);
}
