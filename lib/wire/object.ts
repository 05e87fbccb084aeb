/**
 * What every typed object read from the kernel shares: the message it was read from, so that
 * attributes this library does not decode stay readable (as rust-netlink's `Other(DefaultNla)`).
 * @packageDocumentation
 */
import { eachAttr } from './attr.js';

/**
 * The base of {@link Link}, {@link Address}, {@link Route}, {@link Neighbor} and {@link Rule}:
 * a snapshot of one kernel message, its known fields decoded into properties, every attribute
 * still readable through {@link KernelObject.attribute}.
 */
export abstract class KernelObject {
  readonly #buf: Buffer;
  readonly #start: number;
  readonly #end: number;

  /** @internal */
  constructor(buf: Buffer, attrStart: number, end: number) {
    this.#buf = buf;
    this.#start = attrStart;
    this.#end = end;
  }

  /** The object as `ip` prints it on one line (`ip monitor` prints these). */
  abstract toString(): string;

  /**
   * The payload of any top-level attribute of the message this object was read from
   * (`IFLA_*`, `IFA_*`, `RTA_*`, `NDA_*`, `FRA_*` by number), including those this library
   * does not decode; undefined if absent. The bytes are a view: copy them to keep them.
   */
  attribute(type: number): Buffer | undefined {
    let found: Buffer | undefined;
    eachAttr(this.#buf, this.#start, this.#end, (t, s, e) => {
      if (found === undefined && t === type) found = this.#buf.subarray(s, e);
    });
    return found;
  }
}
