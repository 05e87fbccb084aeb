// `npm pack` ships linux-x64 and linux-arm64 prebuilds, and installing the tarball into an empty
// project with npm's defaults gives a working require and import with nothing compiled (the
// install script, node-gyp-build, finds that the prebuild loads; where npm blocks the script,
// the prebuild is what loads anyway). The tarball is what users get: types right for import and
// require (attw, publint), no dev scripts, no source maps without their sources, no fuzz
// harness, a binding.gyp that does not fail a user's build on a warning. The lockfile agrees
// with package.json.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const root = join(__dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const big = { maxBuffer: 64 << 20 };
// Two compiles of the addon (arm64, then x64) and an emulated node: more than the default 180 s.
t.setTimeout(600_000);
// The installed package must load its own prebuilt addon and helper, also under npm run test:asan.
delete process.env.NETNS_LINK_ADDON;
delete process.env.NETNS_LINK_HELPER;

/** Whether `cmd` runs at all (`cmd --version`, or `args`). */
async function have(cmd: string, args = ['--version']): Promise<boolean> {
  return run(cmd, args).then(() => true, () => false);
}

/** 2.34 > 2.17 > 2.2.5, per component. */
function cmpVersion(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
const highest = (versions: string[]) => versions.reduce((m, v) => (cmpVersion(v, m) > 0 ? v : m), '0');

interface Elf {
  machine: string;
  needed: string[];
  /** Undefined dynamic symbols, `name` or `name@VERSION`. */
  undefinedSymbols: string[];
  /** The highest version of each library's symbols it needs: GLIBC, GLIBCXX, CXXABI, GCC. */
  needs: Record<string, string>;
}

async function readElf(file: string): Promise<Elf> {
  const header = (await run('readelf', ['-h', '-W', file])).stdout;
  const dynamic = (await run('readelf', ['-d', '-W', file])).stdout;
  const syms = (await run('readelf', ['--dyn-syms', '-W', file], big)).stdout;
  const undefinedSymbols = syms.split('\n').map((l) => l.trim().split(/\s+/u)).filter((f) => f[6] === 'UND' && f[7]).map((f) => f[7]!);
  const needs: Record<string, string> = {};
  for (const s of undefinedSymbols) {
    const m = /@([A-Z]+)_([\d.]+)$/u.exec(s);
    if (m) needs[m[1]!] = highest([needs[m[1]!] ?? '0', m[2]!]);
  }
  return {
    machine: /Machine:\s+(.+)/u.exec(header)?.[1]?.trim() ?? '?',
    needed: [...dynamic.matchAll(/\(NEEDED\).*\[(.+)\]/gu)].map((m) => m[1]!),
    undefinedSymbols,
    needs,
  };
}

// What a prebuilt addon or the helper may leave for the dynamic linker: Node-API and libuv
// (exported by node itself), glibc, libstdc++ and libgcc (versioned), and the weak hooks every
// GCC-linked object carries.
const ALLOWED_LIBS = /^(libc\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-[\w-]+\.so\.\d)$/u;
const allowedSymbol = (s: string) => /@(GLIBC|GLIBCXX|CXXABI|GCC)_[\d.]+$/u.test(s)
  || /^(napi_|node_api_|uv_)\w+$/u.test(s)
  || ['__gmon_start__', '_ITM_deregisterTMCloneTable', '_ITM_registerTMCloneTable'].includes(s);

t.test('package-lock.json agrees with package.json', async (t) => {
  // What `npm install` in a fresh clone would write: the committed lockfile, byte for byte.
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(dir, f));
  await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, ...big });
  const committed = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const current = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  if (committed !== current) {
    const a = committed.split('\n');
    const b = current.split('\n');
    const i = a.findIndex((l, n) => l !== b[n]);
    t.comment(`first difference at line ${i + 1}: committed ${JSON.stringify(a[i])}, npm writes ${JSON.stringify(b[i])}`);
  }
  t.ok(committed === current, 'npm install would not rewrite package-lock.json (run npm install and commit it)');
});

t.test('the packed tarball', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Packed from a copy: `npm pack` rebuilds dist/ (and prebuilds/), which other test files use.
  const src = join(dir, 'src');
  for (const f of ['package.json', 'binding.gyp', 'tsconfig.json', 'README.md', 'LICENSE', 'lib', 'native', 'scripts', 'schema']) cpSync(join(root, f), join(src, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
  // -Werror must come from the pack itself (scripts/pack.js), not from the caller's environment.
  const packEnv = { ...process.env };
  delete packEnv.NETNS_LINK_WERROR;
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: src, env: packEnv, ...big });
  // Before the JSON, stdout has the compilers' make output.
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/mu))) as [{ filename: string; files: { path: string }[] }];
  const tarball = join(dir, packed.filename);
  const files = packed.files.map((f) => f.path);
  const crossArm64 = await have('aarch64-linux-gnu-g++');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.same(JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')), 'postpack put package.json back');
  t.notOk(existsSync(join(src, '.package.json.prepack')), 'and left no backup');

  t.test('what it holds', async (t) => {
    t.ok(files.includes('prebuilds/linux-x64/netns-link.glibc.node'), 'a linux-x64 prebuild inside, tagged glibc');
    t.ok(files.includes('prebuilds/linux-x64/netns-link-exec'), 'and the exec helper beside it');
    t.ok(files.includes('prebuilds/linux-x64/netns-link-cni'), 'and the CNI client');
    if (crossArm64) {
      t.ok(files.includes('prebuilds/linux-arm64/netns-link.glibc.node'), 'a linux-arm64 prebuild');
      t.ok(files.includes('prebuilds/linux-arm64/netns-link-exec'), 'and its exec helper');
      t.ok(files.includes('prebuilds/linux-arm64/netns-link-cni'), 'and its CNI client');
    } else {
      t.pass('a linux-arm64 prebuild', { skip: 'aarch64-linux-gnu-g++ is not installed (apt-get install g++-aarch64-linux-gnu), so the pack left it out' });
    }
    t.same(files.filter((f) => f.startsWith('prebuilds/')).filter((f) => !/^prebuilds\/linux-(x64|arm64)\/(netns-link\.glibc\.node|netns-link-exec|netns-link-cni)$/u.test(f)), [], 'nothing else under prebuilds/');
    t.ok(files.includes('dist/cli.js'), 'the netns-link command');
    t.ok(files.includes('schema/topology.schema.json'), 'the JSON Schema of topology documents');
    for (const f of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'binding.gyp', 'README.md', 'native/addon.cc', 'native/exec.c', 'native/cni-client.c']) t.ok(files.includes(f), f);
    t.notOk(files.some((f) => f.startsWith('test/') || f.startsWith('build/')), 'no tests, no local build');
    t.notOk(files.some((f) => f.startsWith('native/fuzz/')), 'no native/fuzz/');
    // The maps point at lib/*.ts: they ship only with their sources.
    const maps = files.filter((f) => f.endsWith('.map'));
    t.ok(maps.length === 0 || files.some((f) => f.startsWith('lib/')), `no source map without the sources it points at (${maps.length} maps, lib/ ${files.some((f) => f.startsWith('lib/')) ? '' : 'not '}shipped)`);
    t.same(maps, [], 'no .map files');
  });

  t.test('types for import and require: attw and publint find nothing', async (t) => {
    const attw = await run(bin('attw'), [tarball, '--format', 'json'], big).catch((e: { stdout?: string; code?: number }) => e);
    const report = JSON.parse(attw.stdout ?? '{}') as { problems?: Record<string, unknown[]>; analysis?: { entrypoints?: Record<string, unknown> } };
    t.same(report.problems, {}, 'attw: no problem (in particular no "Masquerading as CJS")');
    t.ok(report.analysis?.entrypoints && '.' in report.analysis.entrypoints, 'attw analysed the "." entry point');
    const lint = await run(bin('publint'), ['run', tarball, '--strict'], big).then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);
    t.equal(lint.code, 0, 'publint --strict passes');
    t.notMatch(lint.stdout + lint.stderr, /Errors:|Warnings:|Suggestions:/u, 'publint has nothing to say');
    if (lint.code !== 0) t.comment(lint.stdout + lint.stderr);
  });

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const installEnv = { ...process.env };
  delete installEnv.NETNS_LINK_WERROR;
  const install = await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env: installEnv, ...big });
  const installed = join(app, 'node_modules', 'netns-link');

  t.test('installs with npm defaults and loads the prebuild: nothing compiled', async (t) => {
    t.notMatch(install.stdout + install.stderr, /prepare/u, 'npm says nothing of a prepare script');
    t.notOk(existsSync(join(installed, 'build')), 'nothing was compiled: the prebuild is what loads');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    t.same(manifest.scripts, { install: 'node-gyp-build' }, 'the installed package.json keeps only `install: node-gyp-build` (no prepare, build, test, ...)');
    t.notOk(existsSync(join(installed, 'native', 'fuzz')), 'no native/fuzz installed');

    const inode = statSync('/proc/self/ns/net').ino;
    const cjs = await run('node', ['-e', "const { Netns } = require('netns-link'); const h = Netns.current(); console.log(h.inode); h.close()"], { cwd: app });
    t.equal(Number(cjs.stdout.trim()), inode, 'require works and the addon answers');
    const esm = await run('node', ['--input-type=module', '-e', "import { Netns, NetlinkError } from 'netns-link'; const h = Netns.current(); console.log(h.inode, typeof NetlinkError); h.close()"], { cwd: app });
    t.equal(esm.stdout.trim(), `${inode} function`, 'import works');
    const both = await run('node', ['--input-type=module', '-e', "import { createRequire } from 'node:module'; import * as m from 'netns-link'; const r = createRequire(import.meta.url)('netns-link'); console.log(m.Netns === r.Netns)"], { cwd: app });
    t.equal(both.stdout.trim(), 'true', 'one module instance for both');
    t.ok(readdirSync(join(installed, 'dist')).includes('index.d.ts'), 'types shipped');

    // The shipped helper runs commands inside a namespace, and the installed command works.
    const inside = await run('node', ['-e', "const { Netns } = require('netns-link'); (async () => { const ns = await Netns.create(); const r = await ns.exec('readlink', ['/proc/self/ns/net']); console.log(r.stdout.trim() === 'net:[' + ns.inode + ']'); ns.close(); })()"], { cwd: app });
    t.equal(inside.stdout.trim(), 'true', 'exec through the prebuilt helper');
    const help = await run(join(app, 'node_modules', '.bin', 'netns-link'), ['--help']);
    t.match(help.stdout, /^usage: netns-link/u, 'the installed netns-link command runs');
    const listed = await run(join(app, 'node_modules', '.bin', 'netns-link'), ['list', '--json']);
    t.ok(Array.isArray(JSON.parse(listed.stdout)), 'netns-link list --json');
    // The CNI plugins from the installed package: the prebuilt client, in plain mode (no agent),
    // answers VERSION with a minimal environment.
    const cniDir = join(dir, 'cni-bin');
    await run(join(app, 'node_modules', '.bin', 'netns-link'), ['cni', 'install', '--dir', cniDir, '--socket', join(dir, 'no-agent.sock')]);
    const version = await new Promise<string>((resolve, reject) => {
      const c = spawn(join(cniDir, 'netns-link-bridge'), [], { env: { CNI_COMMAND: 'VERSION' }, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', () => resolve(out));
      c.stdin!.end('{"cniVersion":"1.0.0"}');
    });
    t.match(JSON.parse(version), { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] }, 'the installed CNI plugin answers VERSION');

    // musl (Alpine): no prebuild is offered; without a source build the error says so.
    const musl = await run('node', ['-e', "require('netns-link')"], { cwd: app, env: { ...process.env, LIBC: 'musl' } }).catch((e: { stderr: string }) => e);
    t.match(musl.stderr, /No native build was found for platform=linux arch=x64 .*libc=musl/u, 'where libc is musl the glibc prebuild is not loaded');
  });

  t.test('the declarations type-check for an ES module and a CommonJS consumer', async (t) => {
    const names = (await run('node', ['-p', "Object.keys(require('netns-link')).filter((n) => n !== '__esModule').join(',')"], { cwd: app })).stdout.trim().split(',');
    t.ok(names.includes('Netns') && names.includes('NetlinkError'), `runtime exports: ${names.join(' ')}`);
    writeFileSync(join(app, 'esm.mts'), [
      "import nl, { Netns, type Link } from 'netns-link';",
      "import * as m from 'netns-link';",
      "import { createRequire } from 'node:module';",
      "const r: typeof import('netns-link') = createRequire(import.meta.url)('netns-link');",
      'const same: typeof Netns = r.Netns;',
      'const viaDefault: typeof Netns = nl.Netns;',
      'const h: Netns = Netns.current();',
      'const inode: number = h.inode;',
      'const links: Promise<Link[]> = h.links();',
      `const exported: (keyof typeof m)[] = [${[...names, 'default'].map((n) => JSON.stringify(n)).join(', ')}];`,
      'export { same, viaDefault, inode, links, exported };',
      '',
    ].join('\n'));
    writeFileSync(join(app, 'cjs.cts'), [
      "import nl = require('netns-link');",
      'const h: nl.Netns = nl.Netns.current();',
      'const e: typeof nl.NetlinkError = nl.NetlinkError;',
      `const exported: (keyof typeof nl)[] = [${names.map((n) => JSON.stringify(n)).join(', ')}];`,
      'export = { h, e, exported };',
      '',
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
      files: ['esm.mts', 'cjs.cts'],
    }));
    const tsc = await run(bin('tsc'), ['-p', join(app, 'tsconfig.json')], { cwd: app }).then(() => '', (e: { stdout: string }) => e.stdout);
    t.equal(tsc, '', 'tsc (nodenext) accepts import and require of netns-link');
  });

  t.test('binding.gyp: -Werror in the repository, not in a user build', async (t) => {
    t.match(pkg.scripts.install, /^NETNS_LINK_WERROR=1 node-gyp-build$/u, 'npm install in the repository builds with -Werror');
    t.match(pkg.scripts.build, /^NETNS_LINK_WERROR=1 node-gyp rebuild/u, 'npm run build too');
    t.match(readFileSync(join(root, 'CMakeLists.txt'), 'utf8'), /^option\(NETNS_LINK_WERROR "[^"]*" ON\)$/mu, 'the CMake developer builds too (test:asan, the fuzz targets, native:dev)');
    // The pack above made the prebuilds out of tree, in the copy's build/prebuilds/linux-ARCH/.
    t.notOk(existsSync(join(src, 'build', 'Release')), 'the pack left build/Release (the development build) alone');
    for (const arch of crossArm64 ? ['x64', 'arm64'] : ['x64']) {
      const out = join(src, 'build', 'prebuilds', `linux-${arch}`, 'build');
      const made = readdirSync(out).filter((f) => f.endsWith('.target.mk'));
      t.equal(made.length, 3, `linux-${arch} prebuild's makefiles (addon, exec helper, CNI client): ${made.join(' ')}`);
      for (const f of made) t.match(readFileSync(join(out, f), 'utf8'), /-Werror/u, `the linux-${arch} prebuild compiled with -Werror (${f})`);
      t.match(readFileSync(join(out, 'config.gypi'), 'utf8'), new RegExp(`"target_arch": "${arch}"`, 'u'), `for target_arch ${arch}`);
    }

    // A user's `node-gyp configure` in the installed package, no flag set.
    const env = { ...process.env };
    delete env.NETNS_LINK_WERROR;
    const userBuild = join(installed, 'build');
    t.teardown(() => rmSync(userBuild, { recursive: true, force: true }));
    await run(bin('node-gyp'), ['configure'], { cwd: installed, env, ...big });
    const mk = readdirSync(userBuild).filter((f) => f.endsWith('.mk'));
    t.ok(mk.length >= 2, `a user's configure writes makefiles: ${mk.join(' ')}`);
    for (const f of mk) {
      const text = readFileSync(join(userBuild, f), 'utf8');
      t.match(text, /-Wall/u, `${f} has the warnings`);
      t.notMatch(text, /-Werror/u, `${f} has no -Werror`);
    }
    rmSync(userBuild, { recursive: true, force: true });
    await run(bin('node-gyp'), ['configure'], { cwd: installed, env: { ...env, NETNS_LINK_WERROR: '1' }, ...big });
    t.match(readFileSync(join(userBuild, 'netns_link.target.mk'), 'utf8'), /-Werror/u, 'and NETNS_LINK_WERROR=1 turns it on');
  });

  t.test('the prebuilt binaries: architecture, symbols, glibc', async (t) => {
    if (!(await have('readelf'))) {
      t.pass('ELF checks', { skip: 'readelf is not installed (apt-get install binutils)' });
      return;
    }
    const arches = crossArm64 ? ['x64', 'arm64'] : ['x64'];
    if (!crossArm64) t.pass('linux-arm64 ELF checks', { skip: 'aarch64-linux-gnu-g++ is not installed (apt-get install g++-aarch64-linux-gnu)' });
    const machine: Record<string, string> = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };
    const elf: Record<string, Elf> = {};
    for (const arch of arches) {
      for (const name of ['netns-link.glibc.node', 'netns-link-exec', 'netns-link-cni']) {
        const f = `${arch}/${name}`;
        const e = (elf[f] = await readElf(join(installed, 'prebuilds', `linux-${arch}`, name)));
        t.equal(e.machine, machine[arch], `${f}: ${e.machine}`);
        t.same(e.needed.filter((l) => !ALLOWED_LIBS.test(l)), [], `${f} needs only ${e.needed.join(' ')}`);
        t.same(e.undefinedSymbols.filter((s) => !allowedSymbol(s)), [], `${f}: undefined symbols are only napi_*/uv_* (node), glibc, libstdc++, libgcc ones`);
        t.ok(e.needs.GLIBC, `${f} needs GLIBC ${e.needs.GLIBC}${e.needs.GLIBCXX ? `, GLIBCXX ${e.needs.GLIBCXX}` : ''}`);
      }
    }
    if (crossArm64) {
      for (const name of ['netns-link.glibc.node', 'netns-link-exec', 'netns-link-cni']) {
        const x = elf[`x64/${name}`]!.needs;
        const a = elf[`arm64/${name}`]!.needs;
        t.ok(cmpVersion(a.GLIBC!, x.GLIBC!) <= 0, `arm64 ${name} needs glibc ${a.GLIBC}, no newer than x64's ${x.GLIBC}`);
        if (a.GLIBCXX || x.GLIBCXX) t.ok(cmpVersion(a.GLIBCXX ?? '0', x.GLIBCXX ?? '0') <= 0, `arm64 ${name} needs GLIBCXX ${a.GLIBCXX}, no newer than x64's ${x.GLIBCXX}`);
      }
    }
  });

  t.test('the linux-arm64 prebuild runs under qemu-user', async (t) => {
    const sysroot = process.env.NETNS_LINK_ARM64_ROOT || join(root, 'node_modules', '.cache', 'netns-link', 'arm64-root');
    if (!crossArm64) return void t.pass('arm64 under qemu', { skip: 'no linux-arm64 prebuild (aarch64-linux-gnu-g++ is not installed)' });
    if (!(await have('qemu-aarch64'))) return void t.pass('arm64 under qemu', { skip: 'qemu-aarch64 is not installed (apt-get install qemu-user)' });
    if (!existsSync(join(sysroot, 'usr', 'bin', 'node'))) return void t.pass('arm64 under qemu', { skip: `no arm64 node in ${sysroot} (dpkg --add-architecture arm64 && apt-get update && bash scripts/arm64-node.sh)` });
    // qemu-user does not emulate the NS_GET_NSTYPE ioctl that opening a namespace begins with, so
    // the arm64 addon is driven a level below the library: a netlink socket in the current
    // namespace and a link dump, compared with the x64 addon's.
    writeFileSync(join(app, 'probe.js'), `
      const load = require('node-gyp-build');
      const dir = require('node:path').dirname(require.resolve('netns-link/package.json'));
      const b = load(dir);
      (async () => {
        const s = await b.socketOpen(require('node:fs').openSync('/proc/self/ns/net', 'r'));
        const req = Buffer.alloc(32); // RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq 1; an empty ifinfomsg
        req.writeUInt32LE(32, 0); req.writeUInt16LE(18, 4); req.writeUInt16LE(0x301, 6); req.writeUInt32LE(1, 8);
        const out = await b.transact(s.fd, s.portid, req);
        const links = [];
        for (let o = 0; o + 16 <= out.length; o += (out.readUInt32LE(o) + 3) & ~3) {
          if (out.readUInt16LE(o + 4) !== 16) continue; // RTM_NEWLINK
          for (let a = o + 32; a + 4 <= o + out.readUInt32LE(o); a += (out.readUInt16LE(a) + 3) & ~3) {
            if ((out.readUInt16LE(a + 2) & 0x3fff) === 3) links.push(out.toString('utf8', a + 4, a + out.readUInt16LE(a) - 1)); // IFLA_IFNAME
          }
        }
        const lo = b.ifindex(s.fd, 'lo');
        b.close(s.fd);
        let library;
        try {
          const h = require('netns-link').Netns.current();
          library = 'inode ' + h.inode;
          h.close();
        } catch (e) {
          library = e.code + ' from ' + e.syscall;
        }
        console.log(JSON.stringify({ arch: process.arch, node: process.version, addon: require('node:path').relative(dir, load.resolve(dir)), links, lo, strerror: b.strerror(2), library }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    const host = JSON.parse((await run('node', ['probe.js'], { cwd: app })).stdout) as { links: string[] };
    // -U: without the NODE_OPTIONS tap gives every child (its --import hooks are for the host's node).
    const out = await run('qemu-aarch64', ['-U', 'NODE_OPTIONS', '-L', sysroot, join(sysroot, 'usr', 'bin', 'node'), 'probe.js'], { cwd: app, timeout: 240_000 });
    const r = JSON.parse(out.stdout) as { arch: string; node: string; addon: string; links: string[]; lo: number; strerror: string; library: string };
    t.equal(r.arch, 'arm64', `an arm64 node (Debian's ${r.node}) under qemu`);
    t.equal(r.addon, 'prebuilds/linux-arm64/netns-link.glibc.node', 'node-gyp-build picks the linux-arm64 prebuild');
    t.equal(r.strerror, 'No such file or directory', 'the addon loads and answers');
    t.same(r.links, host.links, `a netlink link dump through the arm64 addon: ${r.links.join(' ')}, as the x64 one sees`);
    t.equal(r.lo, 1, 'SIOCGIFINDEX lo');
    t.comment(`the library itself under qemu: Netns.current() gives ${r.library}`);

    // The helper, emulated too (node under qemu cannot exec it without binfmt_misc): it enters
    // a namespace made by `ip netns add`, with its mount namespace (-n), and runs a host command.
    if (!(await have('ip', ['-V']))) return void t.pass('arm64 helper under qemu', { skip: 'ip is not installed (apt-get install iproute2)' });
    const name = `nlt-${process.pid}-arm64`;
    await run('ip', ['netns', 'add', name]);
    t.teardown(() => run('ip', ['netns', 'delete', name]).catch(() => undefined));
    const fd = openSync(`/run/netns/${name}`, 'r');
    const helper = join(installed, 'prebuilds', 'linux-arm64', 'netns-link-exec');
    const child = spawn('qemu-aarch64', ['-L', sysroot, helper, '-n', name, '3', '--', 'readlink', '/proc/self/ns/net'], { stdio: ['ignore', 'pipe', 'inherit', fd] });
    closeSync(fd);
    let said = '';
    child.stdout!.on('data', (d: Buffer) => (said += d.toString()));
    const [status] = (await once(child, 'close')) as [number];
    t.equal(status, 0, 'the arm64 helper exits 0');
    t.equal(said.trim(), `net:[${statSync(`/run/netns/${name}`).ino}]`, 'and ran the command inside the namespace');
  });
});
