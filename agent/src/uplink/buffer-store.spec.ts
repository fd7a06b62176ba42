import { encodeResultsFrame } from '@meshping/protocol';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferFilePath, saveBuffer, takeSavedBuffer } from './buffer-store';

const SERVER = 'wss://monitor.example:8443';

describe('buffer store (unacknowledged results kept across a planned restart)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'meshping-buffer-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the frames and the dropped span (0600), and hands them back once', () => {
    const frame = encodeResultsFrame(5, [{ targetId: 1, at: 1_000, rtt: 12 }]);
    expect(saveBuffer(dir, { results: [{ sealedAt: 900, frame }, { sealedAt: 950, frame, sent: true }], gap: { from: 1, to: 2, samples: 3 } }, SERVER, 1_234)).toBe(2);
    expect(statSync(bufferFilePath(dir)).mode & 0o777).toBe(0o600);
    // A frame that went out (and may be stored) stays marked so: the next run keeps it past the window.
    expect(takeSavedBuffer(dir, SERVER)).toEqual({
      results: [
        { sealedAt: 900, frame: new Uint8Array(frame) },
        { sealedAt: 950, frame: new Uint8Array(frame), sent: true },
      ],
      gap: { from: 1, to: 2, samples: 3 },
    });
    expect(existsSync(bufferFilePath(dir))).toBe(false);
    expect(takeSavedBuffer(dir, SERVER)).toBeNull();
  });

  it('keeps the outage a span belongs to (the next run\'s report replaces the one the server may hold); files without it still load', () => {
    saveBuffer(dir, { results: [], gap: { from: 1, to: 2, samples: 3 }, replaces: 7 }, SERVER, 1);
    expect(takeSavedBuffer(dir, SERVER)).toEqual({ results: [], gap: { from: 1, to: 2, samples: 3 }, replaces: 7 });
    writeFileSync(bufferFilePath(dir), JSON.stringify({ format: 1, savedAt: 1, server: SERVER, results: [], gap: { from: 1, to: 2, samples: 3 }, replaces: 'x' }));
    expect(takeSavedBuffer(dir, SERVER)).toEqual({ results: [], gap: { from: 1, to: 2, samples: 3 } });
  });

  it("refuses results saved for another server (its target ids are that server's)", () => {
    saveBuffer(dir, { results: [{ sealedAt: 900, frame: encodeResultsFrame(1, [{ targetId: 1, at: 1_000, rtt: 12 }]) }], gap: null }, SERVER, 1);
    expect(() => takeSavedBuffer(dir, 'wss://other.example:8443')).toThrow(`saved for another server (${SERVER}), not wss://other.example:8443`);
    expect(existsSync(bufferFilePath(dir))).toBe(false);
  });

  it('writes nothing for an empty buffer, and removes a stale file', () => {
    writeFileSync(bufferFilePath(dir), '{}');
    expect(saveBuffer(dir, { results: [], gap: null }, SERVER, 1)).toBe(0);
    expect(existsSync(bufferFilePath(dir))).toBe(false);
  });

  it('refuses a malformed file with the reason, and removes it', () => {
    writeFileSync(bufferFilePath(dir), JSON.stringify({ format: 1, savedAt: 1, server: SERVER, results: [], gap: { from: 'x', to: 2, samples: 1 } }));
    expect(() => takeSavedBuffer(dir, SERVER)).toThrow('its dropped span is malformed');
    expect(existsSync(bufferFilePath(dir))).toBe(false);
    writeFileSync(bufferFilePath(dir), 'not json');
    expect(() => takeSavedBuffer(dir, SERVER)).toThrow();
  });
});
