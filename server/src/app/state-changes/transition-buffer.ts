import type { CellStateCode } from '@meshping/protocol';

export const STATE_CHANGE_KINDS = ['pair', 'target', 'agent'] as const;
export type StateChangeKind = (typeof STATE_CHANGE_KINDS)[number];
export const Kind = { PAIR: 0, TARGET: 1, AGENT: 2 } as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];

/** No agent (a target's row) or no target (an agent's row). */
export const NO_ID = -1;

/**
 * Transitions waiting to be written, column-wise in typed arrays (a mass event, a whole row or
 * column changing at once, is thousands of rows: no object each). Grows by doubling; clear() keeps
 * the memory for the next batch.
 */
export class TransitionBuffer {
  length = 0;
  kind = new Uint8Array(256);
  agentId = new Int32Array(256);
  targetId = new Int32Array(256);
  from = new Uint8Array(256);
  to = new Uint8Array(256);
  at = new Float64Array(256);

  push(kind: KindCode, agentId: number, targetId: number, from: CellStateCode, to: CellStateCode, at: number): void {
    if (this.length === this.at.length) this.grow();
    const i = this.length++;
    this.kind[i] = kind;
    this.agentId[i] = agentId;
    this.targetId[i] = targetId;
    this.from[i] = from;
    this.to[i] = to;
    this.at[i] = at;
  }

  /** A copy of what it holds (for the writer), and empties it. */
  drain(): TransitionBuffer {
    const out = new TransitionBuffer();
    out.length = this.length;
    out.kind = this.kind.slice(0, this.length);
    out.agentId = this.agentId.slice(0, this.length);
    out.targetId = this.targetId.slice(0, this.length);
    out.from = this.from.slice(0, this.length);
    out.to = this.to.slice(0, this.length);
    out.at = this.at.slice(0, this.length);
    this.length = 0;
    return out;
  }

  private grow(): void {
    const n = this.at.length * 2;
    const grown = <T extends Uint8Array | Int32Array | Float64Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(n);
      next.set(a);
      return next;
    };
    this.kind = grown(this.kind);
    this.agentId = grown(this.agentId);
    this.targetId = grown(this.targetId);
    this.from = grown(this.from);
    this.to = grown(this.to);
    this.at = grown(this.at);
  }
}
