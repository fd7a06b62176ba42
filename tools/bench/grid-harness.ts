// The grid benchmark's page (tools/bench/grid.bench.mjs): the web app's own grid model, view and
// canvas renderer and the protocol's frame codec, bundled from their sources by esbuild. No Angular:
// what is measured is exactly what the live grid runs on each update (decode, apply, clock, draw).
import { encodeLiveFrame, parseServerToBrowser, type LiveLayout } from '@meshping/protocol';
import { GridModel } from '../../web/src/app/features/live-grid/grid-model';
import { GridRenderer } from '../../web/src/app/features/live-grid/grid-renderer';
import { computeView, DEFAULT_VIEW } from '../../web/src/app/features/live-grid/grid-view';

const palette = {
  ok: '#2f9e44', slow: '#f2b705', down: '#e03131', unknown: '#adb5bd', bg: '#ffffff',
  surface: '#f1f3f5', text: '#1d2125', muted: '#6c757d', border: '#dee2e6', focus: '#1c7ed6',
}; // prettier-ignore

/** Deterministic pseudo-random numbers, so every run feeds the same mesh. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

let model: GridModel;
let renderer: GridRenderer;
let canvas: HTMLCanvasElement;
let agents = 0;
let targets = 0;
let seq = 0;
let tickNo = 0;
let deltaFlat = new Float64Array(0);
const random = rng(7);

/** An RTT in µs: mostly replies within 100 ms, some slow, some lost. */
function rtt(): number {
  const r = random();
  if (r < 0.04) return -1;
  if (r < 0.1) return 100_000 + Math.floor(random() * 200_000);
  return 500 + Math.floor(random() * 50_000);
}

function flush(): void {
  // Canvas drawing is deferred; reading one pixel makes Chromium rasterise it now, inside the timing.
  canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
}

function view(cell: number, scrollX = 0, scrollY = 0) {
  renderer.setViewport({ width: canvas.clientWidth, height: canvas.clientHeight, dpr: 1, scrollX, scrollY, cell });
}

(window as any).grid = {
  /** A snapshot of rows x cols, every cell with a sample; returns its size and the time to show it. */
  setup(rows: number, cols: number, cell: number, now: number) {
    agents = rows;
    targets = cols;
    canvas = document.querySelector('canvas')!;
    const layout: LiveLayout = {
      agents: Array.from({ length: rows }, (_, i) => ({ id: i + 1, hostname: `agent-${String(i + 1).padStart(4, '0')}.example.net`, state: 'approved' as const, online: true, local: i === 0 })),
      targets: Array.from({ length: cols }, (_, i) => ({ id: i + 1, address: `10.${(i >> 8) & 255}.${i & 255}.1`, name: null, group: `dc-${i % 8}`, latencyThresholdMs: i % 10 === 0 ? 20 : null })),
      latencyThresholdMs: 100,
    };
    const flat = new Array<number>(rows * cols * 4);
    let k = 0;
    for (let a = 1; a <= rows; a++) for (let t = 1; t <= cols; t++) (flat[k++] = a), (flat[k++] = t), (flat[k++] = now - Math.floor(random() * 5000)), (flat[k++] = rtt());
    const bytes = encodeLiveFrame('snapshot', seq, now, flat, layout);
    const t0 = performance.now();
    model = new GridModel();
    const parsed = parseServerToBrowser(bytes.buffer);
    if (!parsed.ok) throw new Error(parsed.error);
    model.apply(parsed.value, now);
    renderer = new GridRenderer(canvas, model, palette);
    renderer.setView(computeView(model, DEFAULT_VIEW));
    view(cell);
    renderer.drawAll();
    flush();
    return { snapshotBytes: bytes.length, snapshotMs: performance.now() - t0 };
  },

  /**
   * One 1 Hz update: a fifth of the cells get a new sample (every pair is probed every 5 s), encoded
   * as the server encodes a delta. Timed: decode + apply + clock tick + draw (rasterised).
   */
  step(now: number) {
    const share = Math.floor(agents / 5);
    const first = (tickNo++ % 5) * share;
    // One reused buffer: the harness's own garbage must not become the measured code's GC pauses.
    if (deltaFlat.length !== share * targets * 4) deltaFlat = new Float64Array(share * targets * 4);
    const flat = deltaFlat;
    let k = 0;
    for (let a = first + 1; a <= first + share; a++) for (let t = 1; t <= targets; t++) (flat[k++] = a), (flat[k++] = t), (flat[k++] = now - Math.floor(random() * 1000)), (flat[k++] = rtt());
    const bytes = encodeLiveFrame('delta', ++seq, now, flat);
    const buffer = bytes.buffer; // as it arrives from a WebSocket with binaryType 'arraybuffer'
    const t0 = performance.now();
    const parsed = parseServerToBrowser(buffer);
    if (!parsed.ok) throw new Error(parsed.error);
    const t1 = performance.now();
    if (model.apply(parsed.value, now) !== 'ok') throw new Error('the model asked for a resync');
    const t2 = performance.now();
    model.tick(now);
    const t3 = performance.now();
    const changed = model.dirtyPending;
    const shown = renderer.drawUpdate();
    const t4 = performance.now();
    flush();
    const t5 = performance.now();
    const jsonBytes = tickNo === 1 ? JSON.stringify({ type: 'delta', seq, cells: Array.from(flat) }).length : 0;
    const parts = { decode: t1 - t0, apply: t2 - t1, tick: t3 - t2, draw: t4 - t3, raster: t5 - t4 };
    return { ms: t5 - t0, parts, bytes: bytes.length, cells: share * targets, changed, shown, jsonBytes };
  },

  /** Scrolling (or zooming) redraws what is in view, headers included. */
  scroll(x: number, y: number, cell: number) {
    const t0 = performance.now();
    view(cell, x, y);
    renderer.drawAll();
    flush();
    return performance.now() - t0;
  },

  /** The cell under a point, as hover does it. */
  hit(x: number, y: number) {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) renderer.hit(x + (i % 50), y + (i % 30));
    return (performance.now() - t0) / 1000;
  },
};
