import { systemClock } from '@meshping/node-kit';
import { RttCode } from '@meshping/protocol';
import { EventEmitter } from 'node:events';
import { echoRequest } from './icmp-packet';
import { IcmpProber } from './icmp-prober';

/** A stand-in for raw-socket's Socket: records sends, lets the test deliver packets. */
class FakeRawSocket extends EventEmitter {
  readonly sent: { packet: Buffer; address: string }[] = [];
  send(packet: Buffer, _o: number, _l: number, address: string, before: () => void, after: (e: Error | null) => void): this {
    this.sent.push({ packet, address });
    before();
    after(null);
    return this;
  }
  close(): this {
    return this;
  }
}

function replyTo(request: Buffer, identifier?: number): Buffer {
  const reply = Buffer.from(request);
  reply[0] = 129; // ICMPv6 echo reply: no IP header in front
  if (identifier !== undefined) reply.writeUInt16BE(identifier, 4);
  return reply;
}

describe(`${IcmpProber.name} reply matching`, () => {
  function setup() {
    const prober = new IcmpProber(systemClock);
    const socket = new FakeRawSocket();
    const fs = { socket, pending: new Map(), nextSequence: 100 };
    // White-box: put the fake where the prober keeps its raw socket for IPv6.
    (prober as unknown as { sockets: Map<number, unknown> }).sockets.set(6, fs);
    const deliver = (packet: Buffer, source: string) =>
      (prober as unknown as { onMessage: (f: number, s: unknown, b: Buffer, src: string) => void }).onMessage(6, fs, packet, source);
    return { prober, socket, deliver };
  }

  it('takes a reply only with our identifier, our sequence and from the probed address', async () => {
    const { prober, socket, deliver } = setup();
    let settled: number | null = null;
    // The address as a user may write it; the kernel reports sources in canonical form.
    const result = prober.probe('fd00:250:0::1', 6, 1000).then((rtt) => (settled = rtt));
    const request = socket.sent[0].packet;
    const ourId = request.readUInt16BE(4);

    deliver(replyTo(request, (ourId + 1) & 0xffff), 'fd00:250::1'); // another process's reply
    deliver(replyTo(request), 'fd00:250::2'); // same id and sequence, wrong source
    deliver(echoRequest(6, ourId, request.readUInt16BE(6)), 'fd00:250::1'); // our own request, looped back
    await new Promise((r) => setImmediate(r));
    expect(settled).toBeNull();

    deliver(replyTo(request), 'fd00:250::1'); // the right one
    expect(await result).toBeGreaterThanOrEqual(0);
    prober.close();
  });

  it('reports a send error (not a rejection) for an address it cannot use', async () => {
    const { prober } = setup();
    await expect(prober.probe('not-an-address', 6, 1000)).resolves.toBe(RttCode.SEND_ERROR);
    prober.close();
  });
});
