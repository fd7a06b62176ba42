import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from './meshping-process';

/**
 * The live grid as a user drives it: cells are pixels on a canvas, so a cell is reached the way a
 * keyboard user reaches it (filter, Home, arrow keys) and read from the cell line the screen shows
 * (and announces); or pointed at with the mouse from the geometry the grid publishes.
 */
export class GridPage {
  constructor(private readonly page: Page) {}

  get grid() {
    return this.page.getByTestId('live-grid');
  }

  get info() {
    return this.page.getByTestId('cell-info');
  }

  summary(): Promise<string> {
    return this.page.getByTestId('grid-summary').innerText();
  }

  async filter(text: string): Promise<void> {
    await this.page.getByTestId('grid-filter').fill(text);
  }

  /**
   * Moves the keyboard focus to agent -> target (the grid filtered to that agent's row), and returns
   * once the cell line names that pair.
   */
  async focusCell(agent: string, target: string): Promise<void> {
    await this.filter(agent);
    await this.grid.focus();
    // Escape clears the cell line, so the line that follows Home is known to be Home's.
    await this.page.keyboard.press('Escape');
    await this.page.waitForFunction(() => !document.querySelector(`[data-testid="cell-info"]`)?.textContent?.includes(' → '), null, { timeout: 3000 });
    // The cell line follows the focus on the next render: wait for it before each next key. Home
    // does nothing until the grid has its first snapshot (a screen just opened), so press it again.
    for (let attempt = 1; ; attempt++) {
      // Focused again each time: a screen just opened may still replace the grid's element.
      if (attempt > 1) await this.grid.focus();
      await this.page.keyboard.press('Home');
      const named = await this.page
        .waitForFunction((a) => document.querySelector(`[data-testid="cell-info"]`)?.textContent?.includes(`${a} → `), agent, { timeout: 1000 })
        .then(() => true, () => false); // prettier-ignore
      if (named) break;
      if (attempt === 10) throw new Error(`the grid has no row for ${agent}; it says: ${await this.page.getByTestId('grid-summary').textContent()}`);
    }
    for (let i = 0; i < 50; i++) {
      const text = (await this.info.textContent()) ?? '';
      if (text.includes(`${agent} → ${target}:`)) return;
      await this.page.keyboard.press('ArrowRight');
      const moved = await this.page.waitForFunction((before) => document.querySelector(`[data-testid="cell-info"]`)?.textContent !== before, text, { timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (!moved) break; // the last column
    }
    throw new Error(`no cell ${agent} → ${target}; the grid says: ${await this.info.textContent()}`);
  }

  /** Waits until the focused cell shows this status (ok, slow, down, unknown). */
  async waitStatus(status: string, timeout = 20_000): Promise<string> {
    try {
      await this.page.locator(`[data-testid="cell-info"][data-status="${status}"]`).waitFor({ timeout });
    } catch {
      throw new Error(`the cell did not turn ${status} within ${timeout} ms; it says: ${await this.info.textContent()}`);
    }
    return ((await this.info.textContent()) ?? '').trim();
  }

  /** The page coordinates of the cell in view row `row`, column `col` (0-based). */
  async cellPoint(row: number, col: number): Promise<{ x: number; y: number }> {
    const box = await this.grid.boundingBox();
    if (!box) throw new Error('the grid is not on screen');
    const attr = async (name: string) => Number(await this.grid.getAttribute(name));
    const [w, h, cell] = [await attr('data-header-width'), await attr('data-header-height'), await attr('data-cell-size')];
    return { x: box.x + w + col * cell + cell / 2, y: box.y + h + row * cell + cell / 2 };
  }

  /**
   * The RGB the canvas shows near the top-left corner of the cell in view row `row`, column `col`:
   * 3 px in (the cell's colour), or on its edge (1 px in: where an incident's outline is drawn).
   */
  async pixel(row: number, col: number, where: 'inside' | 'edge' = 'inside'): Promise<number[]> {
    const inset = where === 'edge' ? 1 : 3;
    const attr = async (name: string) => Number(await this.grid.getAttribute(name));
    const [w, h, cell] = [await attr('data-header-width'), await attr('data-header-height'), await attr('data-cell-size')];
    await this.page.waitForFunction(() => new Promise((ok) => requestAnimationFrame(() => ok(true))));
    return this.page.evaluate(
      ([x, y]) => {
        const canvas = document.querySelector('mp-grid-canvas canvas') as HTMLCanvasElement;
        const scale = canvas.width / canvas.clientWidth;
        return [...(canvas.getContext('2d')?.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data ?? [])].slice(0, 3);
      },
      [w + col * cell + inset, h + row * cell + inset],
    );
  }

  shot(name: string): Promise<Buffer> {
    return this.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  }
}
