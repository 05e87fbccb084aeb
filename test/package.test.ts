// `npm pack` ships a linux-x64 prebuild, and installing the tarball into an empty project with
// npm's defaults (dependency install scripts blocked) gives a working require and import.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const root = join(__dirname, '..');

t.test('the packed tarball installs and loads with no script run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Packed from a copy: `npm pack` rebuilds build/ and dist/, which other test files are using.
  const src = join(dir, 'src');
  for (const f of ['package.json', 'binding.gyp', 'tsconfig.json', 'README.md', 'LICENSE', 'lib', 'native', 'scripts']) cpSync(join(root, f), join(src, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: src, maxBuffer: 16 << 20 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  const files = packed.files.map((f) => f.path);
  t.ok(files.some((f) => /^prebuilds\/linux-x64\/.+\.node$/u.test(f)), 'a linux-x64 prebuild inside');
  t.ok(files.includes('prebuilds/linux-x64/netns-link-exec'), 'and the exec helper beside it');
  t.ok(files.includes('dist/cli.js'), 'the netns-link command');
  for (const f of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'binding.gyp', 'README.md']) t.ok(files.includes(f), f);
  t.notOk(files.some((f) => f.startsWith('test/') || f.startsWith('build/')), 'no tests, no local build');

  const app = join(dir, 'app');
  await run('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', join(dir, packed.filename)], { cwd: app, maxBuffer: 16 << 20 });
  const installed = join(app, 'node_modules', 'netns-link');
  t.notOk(existsSync(join(installed, 'build')), 'nothing was compiled: the prebuild is what loads');

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
});
