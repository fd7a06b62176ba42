import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { LiveSocketService } from '../../core/live-socket.service';
import { GridCanvasComponent, type CellPointer } from './grid-canvas.component';
import type { ViewOptions } from './grid-view';
import { targetLabel } from './grid-view';
import { LiveGridFeed } from './live-grid.feed';
import { LiveGridStore } from './live-grid.store';
import { PairChartComponent } from './pair-chart.component';

interface Choice {
  key: keyof Pick<ViewOptions, 'agentFilter' | 'rowSort' | 'colSort'>;
  label: string;
  options: [string, string][];
}

/** The toolbar's drop-downs: which agents get a row, and how rows and columns are sorted. */
const CHOICES: Choice[] = [
  {
    key: 'agentFilter',
    label: 'Agents shown',
    options: [
      ['active', 'Approved and on hold'],
      ['all', 'All agents'],
      ['approved', 'Approved'],
      ['hold', 'On hold'],
      ['pending', 'Pending'],
      ['offline', 'Offline'],
    ],
  },
  { key: 'rowSort', label: 'Sort agents', options: [['name', 'Agents by name'], ['problems', 'Agents by problems'], ['state', 'Agents by state']] },
  { key: 'colSort', label: 'Sort targets', options: [['name', 'Targets by name'], ['problems', 'Targets by problems'], ['group', 'Targets by group']] },
];

/** Agents x targets on a canvas (GridCanvasComponent), with sort, filter, zoom, legend and the hover chart. */
@Component({
  selector: 'mp-live-grid',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PairChartComponent, GridCanvasComponent, RouterLink],
  providers: [LiveSocketService, LiveGridStore, LiveGridFeed],
  templateUrl: './live-grid.component.html',
  styleUrl: './live-grid.component.scss',
})
export class LiveGridComponent {
  protected readonly store = inject(LiveGridStore);
  protected readonly link = inject(LiveSocketService).state;
  protected readonly label = targetLabel;
  protected readonly choices = CHOICES;

  /** The cell whose history is shown: follows the mouse or keyboard until a click (or Enter) pins it. */
  protected readonly focus = signal<CellPointer | null>(null);
  protected readonly info = computed(() => {
    this.store.frame();
    const f = this.focus();
    return f ? this.store.describe(f.row, f.col) : null;
  });
  /** The popover below-right of the cell, kept on screen. */
  protected readonly popover = computed(() => {
    const f = this.focus();
    if (!f) return null;
    const width = Math.min(416, innerWidth * 0.9);
    const x = Math.max(8, Math.min(f.x + f.size + 8, innerWidth - width - 8));
    const y = f.y + f.size + 260 > innerHeight ? Math.max(8, f.y - 268) : f.y + f.size + 6;
    return { x, y };
  });

  constructor() {
    inject(LiveGridFeed);
  }

  protected point(p: CellPointer | null): void {
    if (this.focus()?.pinned && !p?.pinned) return;
    this.focus.set(p);
  }

  protected filterText(value: string): void {
    this.store.setOptions({ text: value });
  }
  protected group(value: string): void {
    this.store.setOptions({ group: value });
  }
  protected choose(key: Choice['key'], value: string): void {
    this.store.setOptions({ [key]: value });
  }
  protected onlyProblems(checked: boolean): void {
    this.store.setOptions({ onlyProblems: checked });
  }
}
