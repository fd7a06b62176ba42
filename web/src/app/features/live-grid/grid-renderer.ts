import { IncidentMarks } from './grid-incidents';
import { Cell, type GridModel } from './grid-model';
import { agentMark, targetLabel, type GridView } from './grid-view';

/** Colours the canvas uses, read from the theme's CSS variables. */
export interface Palette {
  ok: string;
  slow: string;
  down: string;
  unknown: string;
  bg: string;
  surface: string;
  text: string;
  muted: string;
  border: string;
  focus: string;
  /** The outline of cells an open incident covers. */
  incident: string;
  /** Cells of a dormant target (probed on the back-off schedule). */
  dormant: string;
}

export interface Viewport {
  /** CSS pixels of the canvas, and device pixels per CSS pixel. */
  width: number;
  height: number;
  dpr: number;
  /** Scroll offset of the cell area, in CSS pixels. */
  scrollX: number;
  scrollY: number;
  /** Cell size in CSS pixels (zoom). */
  cell: number;
}

export interface Hit {
  row: number;
  col: number;
}

export const MIN_CELL = 2;
export const MAX_CELL = 32;
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * Draws the grid on one canvas: sticky row and column headers, and the cells from a bitmap with one
 * pixel per cell that is scaled up (no smoothing) to the cell size. An update writes only the dirty
 * cells' pixels and uploads only the visible part of the bitmap, so its cost does not grow with the
 * mesh: at 1,000 x 1,000 it is the cells that changed plus one scaled blit of what is on screen.
 */
export class GridRenderer {
  headerW = 150;
  headerH = 96;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly bitmap: HTMLCanvasElement;
  private readonly bctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels = new Uint32Array(0);
  private colours = new Uint32Array(4);
  private palette!: Palette;
  private view: GridView = { layout: -1, rows: new Int32Array(0), cols: new Int32Array(0), rowPos: new Int32Array(0), colPos: new Int32Array(0) };
  private vp: Viewport = { width: 0, height: 0, dpr: 1, scrollX: 0, scrollY: 0, cell: 14 };
  focus: Hit | null = null;
  /** Open incidents: their cells get an outline (the next draw shows a change). */
  incidents: IncidentMarks = IncidentMarks.NONE;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly model: GridModel,
    palette: Palette,
  ) {
    this.ctx = canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    this.bitmap = canvas.ownerDocument.createElement('canvas');
    this.bctx = this.bitmap.getContext('2d') as CanvasRenderingContext2D;
    this.setPalette(palette);
  }

  get viewport(): Viewport {
    return this.vp;
  }

  /** Size of the scrollable cell area, for the scroller's spacer. */
  contentSize(cell = this.vp.cell): { width: number; height: number } {
    return { width: this.headerW + this.view.cols.length * cell, height: this.headerH + this.view.rows.length * cell };
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    // By cell state code: silent, up, degraded, down, dormant (libs/protocol cell-state.ts).
    const rgba = [palette.unknown, palette.ok, palette.slow, palette.down, palette.dormant].map((c) => this.toPixel(c));
    this.colours = Uint32Array.from(rgba);
  }

  /** New rows/columns or order: every pixel is rewritten. Also after a palette change. */
  setView(view: GridView): void {
    this.view = view;
    const w = Math.max(1, view.cols.length);
    const h = Math.max(1, view.rows.length);
    this.bitmap.width = w;
    this.bitmap.height = h;
    this.image = this.bctx.createImageData(w, h);
    this.pixels = new Uint32Array(this.image.data.buffer);
    const { state, cols: nCols } = this.model;
    const { rows, cols } = view;
    for (let y = 0; y < rows.length; y++) {
      const base = rows[y] * nCols;
      for (let x = 0; x < cols.length; x++) this.pixels[y * w + x] = this.colours[state[base + cols[x]]];
    }
    this.model.takeDirty();
  }

  setViewport(vp: Viewport): void {
    const resized = vp.width !== this.vp.width || vp.height !== this.vp.height || vp.dpr !== this.vp.dpr;
    this.vp = { ...vp };
    if (resized) {
      this.canvas.width = Math.round(vp.width * vp.dpr);
      this.canvas.height = Math.round(vp.height * vp.dpr);
    }
  }

  /** Everything: headers and cells (scroll, zoom, resize, new view). */
  drawAll(): void {
    this.ctx.setTransform(this.vp.dpr, 0, 0, this.vp.dpr, 0, 0);
    this.drawCells();
    this.drawHeaders();
  }

  /**
   * A 1 Hz update: the cells whose colour changed get their pixel rewritten; the visible part of the
   * bitmap is uploaded and blitted. Returns how many dirty cells were on screen.
   */
  drawUpdate(): number {
    const dirty = this.model.takeDirty();
    const { rowPos, colPos } = this.view;
    const w = this.bitmap.width;
    const nCols = this.model.cols;
    const { c0, c1, r0, r1 } = this.visibleRange();
    let shown = 0;
    for (let k = 0; k < dirty.length; k++) {
      const i = dirty[k];
      const row = (i / nCols) | 0;
      const y = rowPos[row];
      const x = colPos[i - row * nCols];
      if (x < 0 || y < 0) continue;
      this.pixels[y * w + x] = this.colours[this.model.state[i]];
      if (x >= c0 && x < c1 && y >= r0 && y < r1) shown++;
    }
    this.ctx.setTransform(this.vp.dpr, 0, 0, this.vp.dpr, 0, 0);
    this.drawCells();
    return shown;
  }

  /** The model cell under a point of the canvas (CSS px), or null; row/col -1 = a header. */
  hit(x: number, y: number): Hit | null {
    const { cell, scrollX, scrollY } = this.vp;
    const col = x < this.headerW ? -1 : Math.floor((x - this.headerW + scrollX) / cell);
    const row = y < this.headerH ? -1 : Math.floor((y - this.headerH + scrollY) / cell);
    if (col >= this.view.cols.length || row >= this.view.rows.length || (col < 0 && row < 0)) return null;
    return { row: row < 0 ? -1 : this.view.rows[row], col: col < 0 ? -1 : this.view.cols[col] };
  }

  /** Where a model cell is on the canvas (CSS px), for the popover and keyboard focus. */
  cellRect(hit: Hit): { x: number; y: number; size: number } | null {
    const x = this.view.colPos[hit.col];
    const y = this.view.rowPos[hit.row];
    if (x === undefined || y === undefined || x < 0 || y < 0) return null;
    const { cell, scrollX, scrollY } = this.vp;
    return { x: this.headerW + x * cell - scrollX, y: this.headerH + y * cell - scrollY, size: cell };
  }

  private visibleRange(): { c0: number; c1: number; r0: number; r1: number } {
    const { cell, scrollX, scrollY, width, height } = this.vp;
    const c0 = Math.max(0, Math.floor(scrollX / cell));
    const r0 = Math.max(0, Math.floor(scrollY / cell));
    const c1 = Math.min(this.view.cols.length, Math.ceil((scrollX + width - this.headerW) / cell));
    const r1 = Math.min(this.view.rows.length, Math.ceil((scrollY + height - this.headerH) / cell));
    return { c0, c1, r0, r1 };
  }

  private drawCells(): void {
    const { ctx, palette } = this;
    const { cell, scrollX, scrollY, width, height } = this.vp;
    const { c0, c1, r0, r1 } = this.visibleRange();
    const left = this.headerW;
    const top = this.headerH;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width - left, height - top);
    ctx.clip();
    ctx.fillStyle = palette.bg;
    ctx.fillRect(left, top, width - left, height - top);
    if (c1 > c0 && r1 > r0 && this.image) {
      // Only what is on screen goes to the bitmap: a constant cost, whatever the mesh size.
      this.bctx.putImageData(this.image, 0, 0, c0, r0, c1 - c0, r1 - r0);
      ctx.imageSmoothingEnabled = false;
      const x0 = left + c0 * cell - scrollX;
      const y0 = top + r0 * cell - scrollY;
      ctx.drawImage(this.bitmap, c0, r0, c1 - c0, r1 - r0, x0, y0, (c1 - c0) * cell, (r1 - r0) * cell);
      if (cell >= 5) {
        // Gaps between cells, so neighbours of one colour still read as cells.
        const gap = cell >= 12 ? 2 : 1;
        ctx.fillStyle = palette.bg;
        for (let c = c0; c <= c1; c++) ctx.fillRect(x0 + (c - c0) * cell - gap, y0, gap, (r1 - r0) * cell);
        for (let r = r0; r <= r1; r++) ctx.fillRect(x0, y0 + (r - r0) * cell - gap, (c1 - c0) * cell, gap);
      }
      if (cell >= 12) this.drawShapes(c0, c1, r0, r1, x0, y0);
      if (cell >= 4) this.drawIncidents(c0, c1, r0, r1, x0, y0);
    }
    if (this.focus) {
      const rect = this.cellRect(this.focus);
      if (rect) {
        ctx.strokeStyle = palette.focus;
        ctx.lineWidth = 2;
        ctx.strokeRect(rect.x - 1.5, rect.y - 1.5, rect.size + 1, rect.size + 1);
      }
    }
    ctx.restore();
  }

  /** Colour is never the only cue: × = no reply, ! = slow, – = no data, z = dormant (legend explains). */
  private drawShapes(c0: number, c1: number, r0: number, r1: number, x0: number, y0: number): void {
    const { ctx } = this;
    const { cell } = this.vp;
    const { state, cols: nCols } = this.model;
    const { rows, cols } = this.view;
    const inset = Math.round(cell * 0.3);
    const down = new Path2D();
    const slow = new Path2D();
    const none = new Path2D();
    const asleep = new Path2D();
    for (let r = r0; r < r1; r++) {
      const base = rows[r] * nCols;
      const y = y0 + (r - r0) * cell;
      for (let c = c0; c < c1; c++) {
        const s = state[base + cols[c]];
        if (s === Cell.OK) continue;
        const x = x0 + (c - c0) * cell;
        const e = cell - 2; // the drawn square, without the gap
        if (s === Cell.DOWN) {
          down.moveTo(x + inset, y + inset);
          down.lineTo(x + e - inset, y + e - inset);
          down.moveTo(x + e - inset, y + inset);
          down.lineTo(x + inset, y + e - inset);
        } else if (s === Cell.SLOW) {
          slow.moveTo(x + e / 2, y + inset - 1);
          slow.lineTo(x + e / 2, y + e - inset - 1);
          slow.moveTo(x + e / 2, y + e - inset + 1);
          slow.lineTo(x + e / 2, y + e - inset + 2);
        } else if (s === Cell.DORMANT) {
          // z: asleep
          asleep.moveTo(x + inset, y + inset);
          asleep.lineTo(x + e - inset, y + inset);
          asleep.lineTo(x + inset, y + e - inset);
          asleep.lineTo(x + e - inset, y + e - inset);
        } else {
          none.moveTo(x + inset, y + e / 2);
          none.lineTo(x + e - inset, y + e / 2);
        }
      }
    }
    ctx.lineWidth = 1.6;
    ctx.lineCap = 'round';
    ctx.strokeStyle = '#ffffff';
    ctx.stroke(down);
    ctx.strokeStyle = '#3b2f00';
    ctx.stroke(slow);
    ctx.strokeStyle = 'rgba(0,0,0,0.45)';
    ctx.stroke(none);
    ctx.strokeStyle = '#ffffff';
    ctx.stroke(asleep);
  }

  /**
   * An outline around each run of cells in a row that an open incident covers (a silent agent: its
   * whole row), so the cause reads as a line or a block, not as scattered cells.
   */
  private drawIncidents(c0: number, c1: number, r0: number, r1: number, x0: number, y0: number): void {
    const marks = this.incidents;
    if (marks.list.length === 0) return;
    const { cell } = this.vp;
    const { agents, targets } = this.model;
    const { rows, cols } = this.view;
    const gap = cell >= 12 ? 2 : 1;
    const line = cell >= 12 ? 2 : 1;
    const path = new Path2D();
    const outline = (from: number, to: number, y: number) =>
      path.rect(x0 + (from - c0) * cell + line / 2, y + line / 2, (to - from) * cell - gap - line, cell - gap - line);
    for (let r = r0; r < r1; r++) {
      const agentId = agents[rows[r]].id;
      if (!marks.touches(agentId)) continue;
      const y = y0 + (r - r0) * cell;
      if (marks.row(agentId)) {
        outline(c0, c1, y);
        continue;
      }
      let run = -1;
      for (let c = c0; c <= c1; c++) {
        const covered = c < c1 && marks.at(agentId, targets[cols[c]].id) !== null;
        if (covered && run < 0) run = c;
        else if (!covered && run >= 0) {
          outline(run, c, y);
          run = -1;
        }
      }
    }
    this.ctx.lineWidth = line;
    this.ctx.strokeStyle = this.palette.incident;
    this.ctx.stroke(path);
  }

  private drawHeaders(): void {
    const { ctx, palette, model } = this;
    const { cell, scrollX, scrollY, width, height } = this.vp;
    const { c0, c1, r0, r1 } = this.visibleRange();
    const left = this.headerW;
    const top = this.headerH;
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    // Column headers: names turned upright, one label every few columns when cells are small.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, 0, width - left, top);
    ctx.clip();
    ctx.fillStyle = palette.surface;
    ctx.fillRect(left, 0, width - left, top);
    const colStep = Math.max(1, Math.ceil(13 / cell));
    ctx.fillStyle = palette.text;
    for (let c = c0 - (c0 % colStep); c < c1; c += colStep) {
      const t = model.targets[this.view.cols[c]];
      const x = left + c * cell - scrollX + cell / 2;
      ctx.save();
      ctx.translate(x, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(this.fit(targetLabel(t), top - 8), 0, 0);
      ctx.restore();
    }
    ctx.restore();
    // Row headers: hostname, and a tag for offline / hold / pending agents.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top, left, height - top);
    ctx.clip();
    ctx.fillStyle = palette.surface;
    ctx.fillRect(0, top, left, height - top);
    const rowStep = Math.max(1, Math.ceil(13 / cell));
    for (let r = r0 - (r0 % rowStep); r < r1; r += rowStep) {
      const a = model.agents[this.view.rows[r]];
      const y = top + r * cell - scrollY + cell / 2;
      const mark = agentMark(a);
      let room = left - 10;
      if (mark) {
        ctx.font = '600 10px system-ui, sans-serif';
        const tw = ctx.measureText(mark).width + 8;
        ctx.fillStyle = mark === 'offline' ? palette.down : mark === 'hold' ? palette.slow : palette.unknown;
        ctx.fillRect(left - tw - 4, y - 6, tw, 12);
        ctx.fillStyle = mark === 'hold' ? '#3b2f00' : '#ffffff';
        ctx.fillText(mark, left - tw, y + 0.5);
        ctx.font = FONT;
        room -= tw + 4;
      }
      ctx.fillStyle = mark ? palette.muted : palette.text;
      ctx.fillText(this.fit(a.hostname, room), 6, y);
    }
    ctx.restore();
    // The corner.
    ctx.fillStyle = palette.surface;
    ctx.fillRect(0, 0, left, top);
    ctx.fillStyle = palette.muted;
    ctx.fillText('agent \\ target', 6, top - 10);
    ctx.fillStyle = palette.border;
    ctx.fillRect(left - 1, 0, 1, height);
    ctx.fillRect(0, top - 1, width, 1);
  }

  private fit(text: string, room: number): string {
    if (this.ctx.measureText(text).width <= room) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.ctx.measureText(text.slice(0, mid) + '…').width <= room) lo = mid;
      else hi = mid - 1;
    }
    return text.slice(0, lo) + '…';
  }

  /** Any CSS colour as the Uint32 of an RGBA pixel (the canvas does the parsing). */
  private toPixel(colour: string): number {
    const probe = this.canvas.ownerDocument.createElement('canvas').getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    probe.fillStyle = colour;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    return new Uint32Array(new Uint8ClampedArray([r, g, b, 255]).buffer)[0];
  }
}
