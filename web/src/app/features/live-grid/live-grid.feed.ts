import { DestroyRef, inject, Injectable } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { LiveSocketService } from '../../core/live-socket.service';
import { LiveGridStore } from './live-grid.store';

/** Feeds the grid store from the live socket and ticks its clock once a second (staleness). */
@Injectable()
export class LiveGridFeed {
  private readonly socket = inject(LiveSocketService);
  private readonly store = inject(LiveGridStore);

  constructor() {
    this.socket.messages$.pipe(takeUntilDestroyed()).subscribe((message) => {
      if (this.store.apply(message) === 'resync') this.socket.send({ type: 'resync' });
    });
    const clock = setInterval(() => this.store.tick(Date.now()), 1000);
    inject(DestroyRef).onDestroy(() => clearInterval(clock));
  }
}
