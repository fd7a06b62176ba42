import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { LiveSocketService } from '../../core/live-socket.service';
import { formatRtt } from './cell-status';
import { LiveGridFeed } from './live-grid.feed';
import { LiveGridStore, type GridCell } from './live-grid.store';

/**
 * Agents x targets, one cell per pair. A DOM table for now (the walking skeleton); issue 7 draws
 * it on a canvas for 1,000 x 1,000.
 */
@Component({
  selector: 'mp-live-grid',
  changeDetection: ChangeDetectionStrategy.OnPush,
  providers: [LiveGridStore, LiveGridFeed],
  templateUrl: './live-grid.component.html',
  styleUrl: './live-grid.component.scss',
})
export class LiveGridComponent {
  protected readonly store = inject(LiveGridStore);
  protected readonly link = inject(LiveSocketService).state;

  constructor() {
    inject(LiveGridFeed);
  }

  protected title(cell: GridCell, agent: string, target: string): string {
    const what = cell.sample ? formatRtt(cell.sample.rtt) : 'no data';
    return `${agent} → ${target}: ${what}`;
  }
}
