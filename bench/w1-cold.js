// W1 once, in a fresh process: what a script that imports netns-link and builds N hosts once
// pays, its JIT cold (bench/run.js's row "netns-link chained, fresh process"). Run by bench/run.js
// inside its sandbox, with the hub set up; leaves the hosts' namespaces named (h0, h1, ...) for
// the harness to verify and delete. Prints {"setup_us": ...}: the setup alone, from after the
// import (Node's start and the module's loading are not counted), as the other rows.
//
//   node bench/w1-cold.js N
'use strict';
const { Netns } = require('..');
const w1 = require('./w1.js');

const n = Number(process.argv[2]);
(async () => {
  const h = Netns.current();
  const t0 = process.hrtime.bigint();
  const hosts = await w1.chained(h, n);
  const setup = Number(process.hrtime.bigint() - t0) / 1e3;
  for (const ns of hosts) ns.close();
  h.close();
  console.log(JSON.stringify({ setup_us: setup }));
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
