// Without privileges (uid nobody, every capability dropped): reading works, and every change
// fails with EPERM (or EACCES) and a sentence saying what is needed, leaving nothing behind.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ipJson, namedNetns, uniqueName } from './helpers';

t.test('every change is refused with EPERM and says root or CAP_NET_ADMIN is needed', async (t) => {
  const name = uniqueName('nobody');
  const linksBefore = JSON.stringify(ipJson('', 'link').map((l: any) => l.ifname));
  const { stdout } = await promisify(execFile)('setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--',
    process.execPath, join(__dirname, 'fixtures', 'unprivileged.js'), name,
  ]);
  const out = JSON.parse(stdout) as { links: string[]; errors: Record<string, { code: string; name: string; message: string } | null> };
  t.ok(out.links.includes('lo'), 'reading links needs no privilege, and works');
  for (const [op, e] of Object.entries(out.errors)) {
    t.ok(e, `${op} was refused`);
    if (!e) continue;
    t.equal(e.name, 'NetlinkError', `${op}: a NetlinkError`);
    t.ok(e.code === 'EPERM' || e.code === 'EACCES', `${op}: ${e.code}`);
    t.match(e.message, /root|CAP_NET_ADMIN|CAP_SYS_ADMIN/u, `${op}: says what is needed`);
  }
  t.notOk(existsSync(`/run/netns/${name}`), 'no namespace was made');
  t.equal(JSON.stringify(ipJson('', 'link').map((l: any) => l.ifname)), linksBefore, 'no link was made in the host');
});

t.test('with CAP_NET_ADMIN but not CAP_SYS_ADMIN, entering another namespace says that CAP_SYS_ADMIN is needed, for the call made', async (t) => {
  const [ns] = await namedNetns(t, 'netadmin');
  const { stdout } = await promisify(execFile)('setpriv', ['--bounding-set=-sys_admin', '--inh-caps=-sys_admin', '--', process.execPath, join(__dirname, 'fixtures', 'net-admin-only.js'), ns!.name!]);
  const e = JSON.parse(stdout) as { code: string; op: string; name: string; message: string } | null;
  t.ok(e, 'refused');
  t.match(e, { name: 'NetlinkError', code: 'EPERM', op: 'links' }, 'the op is the call made, not an internal step');
  t.match(e?.message, /CAP_SYS_ADMIN/, `says what is needed: ${e?.message}`);
});
