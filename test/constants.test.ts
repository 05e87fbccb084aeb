// lib/constants.ts against the values the addon read from the kernel's UAPI headers.
import t from 'tap';
import { C } from '../dist/wire/constants.js';
import { native } from '../dist/native.js';

t.test('every constant agrees with the kernel headers', async (t) => {
  const fromHeaders = native.constants;
  t.same(Object.keys(C).sort(), Object.keys(fromHeaders).sort(), 'the same names on both sides');
  for (const [name, value] of Object.entries(C)) t.equal(value, fromHeaders[name], name);
});
