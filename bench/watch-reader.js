// The netns-link reader of W4 in `npm run bench`: watches a namespace's IPv4 addresses, says
// "ready" once subscribed, parses N address events into typed objects and reports their CPU
// time, then does the same for the next N (a reader that has been running a while).
'use strict';
const { Netns } = require('..');

(async () => {
  const [name, count] = [process.argv[2], Number(process.argv[3])];
  const ns = await Netns.open(name);
  const watcher = await ns.watch({ kinds: ['address'], family: 4, receiveBufferSize: 64 << 20 });
  process.stdout.write('ready\n');
  let c0 = process.cpuUsage();
  let events = 0;
  let overflows = 0;
  for await (const e of watcher) {
    if (e.kind === 'overflow') overflows++;
    else if (e.kind === 'address' && e.action === 'new' && ++events % count === 0) {
      const c = process.cpuUsage(c0);
      process.stdout.write(`${JSON.stringify({ events: count, overflows, cpu_us: c.user + c.system })}\n`);
      if (events === 2 * count) break;
      c0 = process.cpuUsage();
    }
  }
  ns.close();
})();
