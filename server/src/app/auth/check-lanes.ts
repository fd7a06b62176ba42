/** Hands back a slot taken in a lane. */
export type Release = () => void;

export interface LaneLimits {
  /** Checks running at once. */
  running: number;
  /** Checks waiting for a slot (first come, first served); beyond this, refused. */
  waiting: number;
  /** Checks (running or waiting) one owner may hold at once: a user, or a client network. */
  perOwner: number;
}

/**
 * A bounded pool of password-check slots with a short FIFO queue and a per-owner share, so no one
 * owner can fill it. enter() gives a promise of a slot, or null when the owner's share, the slots
 * and the queue are all taken (the caller answers 429 at once instead of piling up work).
 */
export class CheckLane {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly held = new Map<string, number>();

  constructor(readonly limits: LaneLimits) {}

  enter(owner: string): Promise<Release> | null {
    const held = this.held.get(owner) ?? 0;
    if (held >= this.limits.perOwner) return null;
    if (this.running >= this.limits.running && this.queue.length >= this.limits.waiting) return null;
    this.held.set(owner, held + 1);
    const release = this.releaser(owner);
    if (this.running < this.limits.running) {
      this.running += 1;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => this.queue.push(() => resolve(release)));
  }

  get busy(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.queue.length };
  }

  private releaser(owner: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.held.get(owner) ?? 1) - 1;
      if (left > 0) this.held.set(owner, left);
      else this.held.delete(owner);
      // The slot passes straight to the next in line, so `running` only drops when nobody waits.
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    };
  }
}
