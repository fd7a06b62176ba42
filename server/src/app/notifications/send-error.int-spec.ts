import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sendError } from './notifications.service';

/** What fetch throws for a POST to `url` (real sockets, loopback only). */
async function failure(url: string): Promise<unknown> {
  try {
    await fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    return err;
  }
  throw new Error(`${url} answered`);
}

describe('sendError (why a notification got no HTTP answer, in words)', () => {
  it('says a connection was refused, with the code', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    expect(sendError(await failure(`http://127.0.0.1:${port}/hook`))).toBe('connection refused: nothing listens on that port (ECONNREFUSED)');
  });

  it('says a receiver that hangs up mid-request reset the connection', async () => {
    const rude = createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    try {
      expect(sendError(await failure(`http://127.0.0.1:${(rude.address() as AddressInfo).port}/hook`))).toBe('connection reset by the receiver (ECONNRESET)');
    } finally {
      await new Promise((resolve) => rude.close(resolve));
    }
  });

  it('explains a port fetch refuses outright, and a timeout', async () => {
    expect(sendError(await failure('http://127.0.0.1:9/hook'))).toBe('that port is one fetch refuses to connect to (a "bad port" of the Fetch standard): use another port');
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(sendError(timeout)).toBe('no answer within 10 s');
  });
});
