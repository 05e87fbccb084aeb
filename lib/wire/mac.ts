/**
 * Link-layer addresses as `ip` prints them.
 * @internal
 * @packageDocumentation
 */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff` from bytes. @internal */
export function formatMac(buf: Buffer, start: number, end: number): string {
  let s = HEX[buf[start]!]!;
  for (let i = start + 1; i < end; i++) s += `:${HEX[buf[i]!]!}`;
  return s;
}
