import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import type { LiveAgent, LiveTarget } from '@meshping/protocol';
import { LiveSocketService } from '../../core/live-socket.service';
import { formatRtt } from './cell-status';
import { LiveGridFeed } from './live-grid.feed';
import { LiveGridStore, type GridCell } from './live-grid.store';
import { PairChartComponent } from './pair-chart.component';

interface Focus {
  agent: LiveAgent;
  target: LiveTarget;
  x: number;
  y: number;
  pinned: boolean;
}

/**
 * Agents x targets, one cell per pair. A DOM table for now (the walking skeleton); issue 7 draws
 * it on a canvas for 1,000 x 1,000.
 */
@Component({
  selector: 'mp-live-grid',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PairChartComponent],
  providers: [LiveSocketService, LiveGridStore, LiveGridFeed],
  templateUrl: './live-grid.component.html',
  styleUrl: './live-grid.component.scss',
})
export class LiveGridComponent {
  protected readonly store = inject(LiveGridStore);
  protected readonly link = inject(LiveSocketService).state;

  /** The cell whose history is shown: follows the mouse until a click pins it. */
  protected readonly focus = signal<Focus | null>(null);

  constructor() {
    inject(LiveGridFeed);
  }

  protected hover(agent: LiveAgent, target: LiveTarget, event: MouseEvent): void {
    if (this.focus()?.pinned) return;
    const cell = (event.target as HTMLElement).getBoundingClientRect();
    this.focus.set({ agent, target, x: cell.right + 8, y: cell.bottom + 6, pinned: false });
  }

  protected leave(): void {
    if (!this.focus()?.pinned) this.focus.set(null);
  }

  protected pin(agent: LiveAgent, target: LiveTarget, event: MouseEvent): void {
    const cell = (event.target as HTMLElement).getBoundingClientRect();
    this.focus.set({ agent, target, x: cell.right + 8, y: cell.bottom + 6, pinned: true });
  }

  protected label(target: LiveTarget): string {
    return target.name ?? target.address;
  }

  protected title(cell: GridCell, agent: string, target: string): string {
    const what = cell.sample ? formatRtt(cell.sample.rtt) : 'no data';
    return `${agent} → ${target}: ${what}`;
  }
}
