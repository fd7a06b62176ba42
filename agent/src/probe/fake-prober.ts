import { RttCode } from '@meshping/protocol';
import type { Prober } from './prober';

/** A prober for unit tests: answers from a table (µs or RttCode), without any network, after `delayMs`. */
export class FakeProber implements Prober {
  readonly sent: { address: string; family: 4 | 6 }[] = [];
  constructor(
    /** Changeable: a test can make an address start (or stop) answering. */
    readonly answers: Record<string, number> = {},
    private readonly delayMs = 0,
  ) {}

  open(): void {
    /* nothing to open */
  }

  async probe(address: string, family: 4 | 6): Promise<number> {
    this.sent.push({ address, family });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.answers[address] ?? RttCode.NO_REPLY;
  }

  close(): void {
    /* nothing to close */
  }
}
