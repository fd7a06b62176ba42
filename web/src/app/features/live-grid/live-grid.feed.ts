import { DestroyRef, effect, inject, Injectable } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { LiveSocketService } from '../../core/live-socket.service';
import { LiveGridStore } from './live-grid.store';

/** Feeds the grid store from the live socket and ticks its clock once a second (staleness). */
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
    inject(DestroyRef).onDestroy(() => clearInterval(clock));
  }
}
