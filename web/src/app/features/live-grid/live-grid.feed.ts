import { DestroyRef, effect, inject, Injectable } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { listIncidents } from '@meshping/api-client';
import { LiveSocketService } from '../../core/live-socket.service';
import { LiveGridStore } from './live-grid.store';

/** How often the open incidents are read (the rule engine evaluates every 5 s). */
export const INCIDENTS_POLL_MS = 5_000;
/** At most this many open incidents are marked (more is a page of the Alerts screen). */
export const INCIDENTS_SHOWN = 500;

/**
 * Feeds the grid store from the live socket, ticks its clock once a second (staleness) and reads
 * the open incidents every few seconds (their cells are marked).
 */
@Injectable()
export class LiveGridFeed {
  private readonly socket = inject(LiveSocketService);
  private readonly store = inject(LiveGridStore);

  constructor() {
    // One resync request until a snapshot answers it: deltas keep coming meanwhile.
    let asked = false;
    this.socket.messages$.pipe(takeUntilDestroyed()).subscribe((message) => {
      if (message.type === 'snapshot') asked = false;
      if (this.store.apply(message) === 'resync' && !asked) {
        asked = true;
        this.socket.send({ type: 'resync' });
      }
    });
    // A reconnect brings a snapshot by itself.
    effect(() => {
      if (this.socket.state() !== 'open') asked = false;
    });
    const clock = setInterval(() => this.store.tick(Date.now()), 1000);
    const incidents = setInterval(() => void this.readIncidents(), INCIDENTS_POLL_MS);
    void this.readIncidents();
    inject(DestroyRef).onDestroy(() => {
      clearInterval(clock);
      clearInterval(incidents);
    });
  }

  /** A failed read keeps the last marks (the next poll tries again); a 401 is the API layer's to handle. */
  private async readIncidents(): Promise<void> {
    try {
      this.store.setIncidents(await listIncidents({ query: { state: 'open', limit: INCIDENTS_SHOWN }}));
    } catch {
      /* kept as they were */
    }
  }
}
