import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { GridRenderer, MAX_CELL, MIN_CELL, type Hit, type Palette } from './grid-renderer';
import type { GridView } from './grid-view';
import { LiveGridStore } from './live-grid.store';

/** A cell the user points at (mouse or keyboard), with where it is on the page. */
export interface CellPointer extends Hit {
  x: number;
  y: number;
  size: number;
  pinned: boolean;
  /** Moved to by the keyboard: the cell line follows, the chart waits for Enter (no request per key). */
  keyboard: boolean;
}

/**
 * The grid on a canvas. A transparent scroller on top gives native scrolling (and its scroll bars)
 * over a spacer as large as the grid; the canvas under it draws only what is in view. Mouse and
 * keyboard map to cells through the renderer.
 */
@Component({
  selector: 'mp-grid-canvas',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <canvas #canvas aria-hidden="true"></canvas>
    <div
      #scroller
      class="scroller"
      tabindex="0"
      role="application"
      aria-roledescription="latency grid"
      data-testid="live-grid"
      [attr.aria-label]="label()"
      [attr.data-header-width]="geometry().headerW"
      [attr.data-header-height]="geometry().headerH"
      [attr.data-cell-size]="geometry().cell"
      (scroll)="onScroll()"
      (mousemove)="onMove($event)"
      (mouseleave)="onLeave()"
      (click)="onClick($event)"
      (keydown)="onKey($event)"
      (wheel)="onWheel($event)"
    >
      <div class="spacer" [style.width.px]="content().width" [style.height.px]="content().height"></div>
    </div>
  `,
  styles: `
    :host { display: block; position: relative; height: 100%; min-height: 12rem; }
    canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
    .scroller { position: absolute; inset: 0; overflow: auto; outline: none; }
    .scroller:focus-visible { box-shadow: inset 0 0 0 2px #1c7ed6; }
    .spacer { pointer-events: none; }
  `,
})
export class GridCanvasComponent {
  private readonly store = inject(LiveGridStore);
  private readonly host = inject(ElementRef<HTMLElement>);
  private readonly canvasRef = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly scrollerRef = viewChild.required<ElementRef<HTMLDivElement>>('scroller');
  private renderer: GridRenderer | null = null;
  private readonly ready = signal(false);
  private readonly size = signal({ width: 0, height: 0 });
  private readonly theme = signal(0);
  private drawnView: GridView | null = null;
  private drawnCell = 0;
  private frameRequested = false;

  /** The cell under the mouse or the keyboard focus (null when none); pinned by click or Enter. */
  readonly pointed = output<CellPointer | null>();
  /** Escape: close the chart, pinned or not. */
  readonly dismissed = output<void>();

  protected readonly content = computed(() => {
    const view = this.store.view();
    const cell = this.store.cellSize();
    this.ready();
    const r = this.renderer;
    return { width: (r?.headerW ?? 0) + view.cols.length * cell, height: (r?.headerH ?? 0) + view.rows.length * cell };
  });

  /** Where cells are (for tools and tests that point at one): header sizes and cell size, CSS px. */
  protected readonly geometry = computed(() => {
    this.ready();
    return { headerW: this.renderer?.headerW ?? 0, headerH: this.renderer?.headerH ?? 0, cell: this.store.cellSize() };
  });

  protected readonly label = computed(() => {
    const v = this.store.view();
    return `Live grid, ${v.rows.length} agents by ${v.cols.length} targets. Arrow keys move between cells, Enter pins the history, Escape closes it.`;
  });

  constructor() {
    afterNextRender(() => {
      const canvas = this.canvasRef().nativeElement;
      this.renderer = new GridRenderer(canvas, this.store.model, this.readPalette());
      if (matchMedia('(max-width: 640px)').matches) {
        this.renderer.headerW = 104;
        this.renderer.headerH = 80;
      }
      const observer = new ResizeObserver(() => {
        const s = this.scrollerRef().nativeElement;
        this.size.set({ width: s.clientWidth, height: s.clientHeight });
      });
      observer.observe(this.host.nativeElement);
      // Theme: the OS preference or the app's choice (data-theme on <html>).
      const media = matchMedia('(prefers-color-scheme: dark)');
      const onTheme = () => this.theme.update((v) => v + 1);
      media.addEventListener('change', onTheme);
      const themeObserver = new MutationObserver(onTheme);
      themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
      this.destroyRef.onDestroy(() => {
        observer.disconnect();
        themeObserver.disconnect();
        media.removeEventListener('change', onTheme);
      });
      this.ready.set(true);
    });

    effect(() => {
      const view = this.store.view();
      this.store.frame();
      const cell = this.store.cellSize();
      const size = this.size();
      const theme = this.theme();
      const incidents = this.store.incidents();
      if (!this.ready() || !this.renderer || size.width === 0) return;
      const marksChanged = incidents !== this.renderer.incidents;
      this.renderer.incidents = incidents;
      this.draw(view, cell, theme, marksChanged);
    });
  }

  private readonly destroyRef = inject(DestroyRef);
  private drawnTheme = -1;

  private draw(view: GridView, cell: number, theme: number, marksChanged = false): void {
    const r = this.renderer as GridRenderer;
    const s = this.scrollerRef().nativeElement;
    const resized = s.clientWidth !== r.viewport.width || s.clientHeight !== r.viewport.height;
    r.setViewport({ width: s.clientWidth, height: s.clientHeight, dpr: devicePixelRatio || 1, scrollX: s.scrollLeft, scrollY: s.scrollTop, cell });
    if (theme !== this.drawnTheme) {
      r.setPalette(this.readPalette());
      this.drawnTheme = theme;
      this.drawnView = null;
    }
    if (view !== this.drawnView) {
      r.setView(view);
      this.drawnView = view;
      r.drawAll();
    } else if (cell !== this.drawnCell || resized || marksChanged) {
      r.drawAll(); // a resized canvas starts blank: headers too
    } else {
      r.drawUpdate();
    }
    this.drawnCell = cell;
  }

  private redraw(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const r = this.renderer;
      if (!r) return;
      const s = this.scrollerRef().nativeElement;
      r.setViewport({ ...r.viewport, width: s.clientWidth, height: s.clientHeight, scrollX: s.scrollLeft, scrollY: s.scrollTop });
      r.drawAll();
    });
  }

  protected onScroll(): void {
    this.redraw();
  }

  private lastHover: Hit | null = null;

  protected onMove(event: MouseEvent): void {
    const hit = this.hitAt(event);
    if (hit && this.lastHover && hit.row === this.lastHover.row && hit.col === this.lastHover.col) return;
    this.lastHover = hit;
    this.pointed.emit(hit ? this.pointer(hit, false) : null);
  }

  protected onLeave(): void {
    this.lastHover = null;
    this.pointed.emit(null);
  }

  protected onClick(event: MouseEvent): void {
    const hit = this.hitAt(event);
    if (!hit || !this.renderer) return;
    this.renderer.focus = hit;
    this.redraw();
    this.pointed.emit(this.pointer(hit, true));
  }

  protected onWheel(event: WheelEvent): void {
    if (!event.ctrlKey) return;
    event.preventDefault();
    this.zoom(event.deltaY < 0 ? 1 : -1, event);
  }

  /** Zooms one step, keeping the cell under the mouse (or the top-left) in place. */
  zoom(direction: 1 | -1, at?: MouseEvent): void {
    const r = this.renderer;
    const before = this.store.cellSize();
    const after = Math.min(MAX_CELL, Math.max(MIN_CELL, direction > 0 ? Math.ceil(before * 1.25) : Math.floor(before / 1.25)));
    if (!r || after === before) return;
    const s = this.scrollerRef().nativeElement;
    const box = s.getBoundingClientRect();
    const ax = at ? Math.max(0, at.clientX - box.left - r.headerW) : 0;
    const ay = at ? Math.max(0, at.clientY - box.top - r.headerH) : 0;
    const gx = (s.scrollLeft + ax) / before;
    const gy = (s.scrollTop + ay) / before;
    this.store.setCellSize(after);
    // The spacer grows in the next change detection; scroll once it has.
    requestAnimationFrame(() => {
      s.scrollLeft = gx * after - ax;
      s.scrollTop = gy * after - ay;
      this.redraw();
    });
  }

  protected onKey(event: KeyboardEvent): void {
    const r = this.renderer;
    if (!r) return;
    const view = this.store.view();
    if (!view.rows.length || !view.cols.length) return;
    const focus = r.focus;
    let y = focus ? view.rowPos[focus.row] : 0;
    let x = focus ? view.colPos[focus.col] : 0;
    if (y < 0 || x < 0 || y === undefined || x === undefined) [x, y] = [0, 0];
    const page = Math.max(1, Math.floor((r.viewport.height - r.headerH) / r.viewport.cell) - 1);
    switch (event.key) {
      case 'ArrowRight': x++; break; // prettier-ignore
      case 'ArrowLeft': x--; break; // prettier-ignore
      case 'ArrowDown': y++; break; // prettier-ignore
      case 'ArrowUp': y--; break; // prettier-ignore
      case 'PageDown': y += page; break; // prettier-ignore
      case 'PageUp': y -= page; break; // prettier-ignore
      case 'Home': x = 0; break; // prettier-ignore
      case 'End': x = view.cols.length - 1; break; // prettier-ignore
      case 'Enter':
      case ' ':
        event.preventDefault();
        if (focus) this.pointed.emit(this.pointer(focus, true));
        return;
      case 'Escape':
        this.dismissed.emit();
        return;
      case '+':
        return this.zoom(1);
      case '-':
        return this.zoom(-1);
      default:
        return;
    }
    event.preventDefault();
    x = Math.max(0, Math.min(view.cols.length - 1, x));
    y = Math.max(0, Math.min(view.rows.length - 1, y));
    const hit = { row: view.rows[y], col: view.cols[x] };
    r.focus = hit;
    this.scrollIntoView(x, y);
    this.redraw();
    this.pointed.emit(this.pointer(hit, false, true));
  }

  private scrollIntoView(x: number, y: number): void {
    const r = this.renderer as GridRenderer;
    const s = this.scrollerRef().nativeElement;
    const cell = r.viewport.cell;
    const w = s.clientWidth - r.headerW;
    const h = s.clientHeight - r.headerH;
    if (x * cell < s.scrollLeft) s.scrollLeft = x * cell;
    else if ((x + 1) * cell > s.scrollLeft + w) s.scrollLeft = (x + 1) * cell - w;
    if (y * cell < s.scrollTop) s.scrollTop = y * cell;
    else if ((y + 1) * cell > s.scrollTop + h) s.scrollTop = (y + 1) * cell - h;
    r.setViewport({ ...r.viewport, scrollX: s.scrollLeft, scrollY: s.scrollTop });
  }

  private hitAt(event: MouseEvent): Hit | null {
    const r = this.renderer;
    if (!r) return null;
    const box = this.scrollerRef().nativeElement.getBoundingClientRect();
    const hit = r.hit(event.clientX - box.left, event.clientY - box.top);
    return hit && hit.row >= 0 && hit.col >= 0 ? hit : null;
  }

  private pointer(hit: Hit, pinned: boolean, keyboard = false): CellPointer {
    const r = this.renderer as GridRenderer;
    const box = this.scrollerRef().nativeElement.getBoundingClientRect();
    const rect = r.cellRect(hit) ?? { x: 0, y: 0, size: 0 };
    return { ...hit, x: box.left + rect.x, y: box.top + rect.y, size: rect.size, pinned, keyboard };
  }

  private readPalette(): Palette {
    const css = getComputedStyle(this.host.nativeElement);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    return {
      ok: v('--mp-green', '#2f9e44'),
      slow: v('--mp-yellow', '#f2b705'),
      down: v('--mp-red', '#e03131'),
      unknown: v('--mp-grey', '#adb5bd'),
      bg: v('--mp-bg', '#ffffff'),
      surface: v('--mp-surface', '#f1f3f5'),
      text: v('--mp-text', '#1d2125'),
      muted: v('--mp-muted', '#6c757d'),
      border: v('--mp-border', '#dee2e6'),
      focus: v('--mp-focus', '#1c7ed6'),
      incident: v('--mp-incident', '#9c36b5'),
      dormant: v('--mp-dormant', '#495057'),
    };
  }
}
