import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { RttCode } from '@meshping/protocol';
import { randomInt } from 'node:crypto';
import { SocketAddress } from 'node:net';
import * as raw from 'raw-socket';
import { echoRequest, parseEchoReply } from './icmp-packet';
import { kernelStamps, openFds } from './kernel-timestamps';
import { MissingPrivilegeError, type Prober } from './prober';

interface Pending {
  address: string;
  sentNs: bigint | null;
  /** Monotonic ns after which the probe is "no reply" (set when the request leaves). */
  deadlineNs: bigint | null;
  /** CLOCK_REALTIME µs at the send, when kernel receive timestamps are on. */
  sentUs: number | null;
  resolve: (rtt: number) => void;
}

/** How often outstanding probes are checked against their deadline (one timer, not one per probe). */
const SWEEP_MS = 100;
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const IPPROTO_ICMPV6 = 58;
const ICMP6_FILTER = 1;

interface FamilySocket {
  socket: raw.Socket;
  /** Kernel receive timestamps for this socket (agent/native), or null: replies timed in user space. */
  stamps: ReturnType<typeof kernelStamps>;
  pending: Map<number, Pending>;
  nextSequence: number;
}

/**
 * ICMP echo over raw sockets (raw-socket): one socket per address family per process, replies
 * matched by identifier + sequence + source address, send time taken just before the packet is
 * handed to the kernel (raw-socket's before-send callback). raw-socket queues sends and writes one
 * per "socket writable" event, so a burst never blocks the reading of replies.
 */
@Injectable()
export class IcmpProber implements Prober, OnApplicationShutdown {
  private readonly logger = new Logger(IcmpProber.name);
  /** Distinguishes this process's echo requests from every other ICMP user on the host. */
  private readonly identifier = randomInt(1, 0xffff);
  private readonly sockets = new Map<4 | 6, FamilySocket>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly normalised = new Map<string, string>();
  /** How replies are timed: by the kernel (agent/native addon) or when the event loop reads them. */
  timestamps: 'kernel' | 'user' | null = null;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  open(): void {
    this.socketFor(4); // fails fast without CAP_NET_RAW
  }

  /** Throws MissingPrivilegeError unless this process may open raw ICMP sockets. */
  static checkPrivilege(): void {
    try {
      raw.createSocket({ protocol: raw.Protocol.ICMP, addressFamily: raw.AddressFamily.IPv4 }).close();
    } catch (err) {
      if (/not permitted|EPERM|EACCES/i.test(String(err))) throw new MissingPrivilegeError();
      throw err;
    }
  }

  probe(address: string, family: 4 | 6, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      let fs: FamilySocket;
      let normalised: string;
      try {
        fs = this.socketFor(family);
        normalised = this.normalise(address, family);
      } catch (err) {
        this.logger.warn({ event: 'probe.send-failed', address, family, err });
        return resolve(RttCode.SEND_ERROR);
      }
      const sequence = this.takeSequence(fs);
      if (sequence === null) return resolve(RttCode.SEND_ERROR);
      const pending: Pending = { address: normalised, sentNs: null, deadlineNs: null, sentUs: null, resolve };
      fs.pending.set(sequence, pending);
      const packet = echoRequest(family, this.identifier, sequence);
      fs.socket.send(
        packet,
        0,
        packet.length,
        normalised,
        () => {
          // The request leaves now: the RTT and the timeout both count from here, not from the queue.
          pending.sentUs = fs.stamps ? fs.stamps.sentUs() : null;
          pending.sentNs = this.clock.monotonicNs();
          pending.deadlineNs = pending.sentNs + BigInt(timeoutMs) * 1_000_000n;
          this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_MS);
        },
        (error) => {
          if (!error) return;
          fs.pending.delete(sequence);
          resolve(RttCode.SEND_ERROR);
        },
      );
    });
  }

  onApplicationShutdown(): void {
    this.close();
  }

  close(): void {
    for (const fs of this.sockets.values()) {
      for (const p of fs.pending.values()) p.resolve(RttCode.NO_REPLY);
      fs.socket.close();
    }
    this.sockets.clear();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /**
   * Settles probes past their deadline. Maps iterate in insertion (= send) order and every probe of
   * a prober has the same timeout in practice, so the scan stops at the first one still in time.
   */
  private sweep(): void {
    const now = this.clock.monotonicNs();
    let outstanding = 0;
    for (const fs of this.sockets.values()) {
      for (const [sequence, p] of fs.pending) {
        if (p.deadlineNs === null) {
          outstanding++;
          continue; // still queued for sending
        }
        if (p.deadlineNs > now) {
          outstanding += fs.pending.size;
          break;
        }
        fs.pending.delete(sequence);
        p.resolve(RttCode.NO_REPLY);
      }
    }
    if (outstanding === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  private normalise(address: string, family: 4 | 6): string {
    let n = this.normalised.get(address);
    if (n === undefined) {
      n = new SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
      if (this.normalised.size > 10_000) this.normalised.clear();
      this.normalised.set(address, n);
    }
    return n;
  }

  private socketFor(family: 4 | 6): FamilySocket {
    const existing = this.sockets.get(family);
    if (existing) return existing;
    let socket: raw.Socket;
    const before = openFds();
    try {
      socket =
        family === 4
          ? raw.createSocket({ protocol: raw.Protocol.ICMP, addressFamily: raw.AddressFamily.IPv4 })
          : raw.createSocket({ protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 });
    } catch (err) {
      if (/not permitted|EPERM|EACCES/i.test(String(err))) throw new MissingPrivilegeError();
      throw err;
    }
    // Only echo replies reach this socket (not our own requests on loopback, nor other ICMP traffic):
    // the kernel filters, so the event loop wakes once per reply and no more.
    try {
      if (family === 4) {
        const mask = Buffer.alloc(4);
        mask.writeUInt32LE(~1 >>> 0); // a set bit blocks that type; type 0 = echo reply passes
        socket.setOption(SOL_RAW, ICMP_FILTER, mask, 4);
      } else {
        const filter = Buffer.alloc(32, 0xff); // block all 256 types ...
        filter.writeUInt32LE((0xffffffff & ~(1 << (129 & 31))) >>> 0, (129 >> 5) * 4); // ... but 129, echo reply
        socket.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, filter, 32);
      }
    } catch (err) {
      this.logger.warn({ event: 'probe.filter-unavailable', family, err }); // matching below still filters
    }
    // The map keeps a live reference: a collected socket closes and the process could exit silently.
    let stamps: FamilySocket['stamps'] = null;
    try {
      stamps = kernelStamps(family, before);
    } catch (err) {
      this.logger.warn({ event: 'probe.kernel-timestamps-unavailable', family, err });
    }
    this.timestamps = stamps ? 'kernel' : 'user';
    if (!stamps) this.logger.warn({ event: 'probe.user-space-timestamps', family, message: 'replies are timed when the event loop reads them (less accurate)' });
    const fs: FamilySocket = { socket, stamps, pending: new Map(), nextSequence: randomInt(0, 0xffff) };
    socket.on('message', (buffer, source) => this.onMessage(family, fs, buffer, source));
    socket.on('error', (err) => {
      // raw-socket closes the socket after an error; settle what was waiting on it and open a new
      // one at the next probe.
      this.logger.error({ event: 'probe.socket-error', family, err });
      this.sockets.delete(family);
      for (const p of fs.pending.values()) p.resolve(RttCode.SEND_ERROR);
      fs.pending.clear();
    });
    this.sockets.set(family, fs);
    return fs;
  }

  private onMessage(family: 4 | 6, fs: FamilySocket, buffer: Buffer, source: string): void {
    const receivedNs = this.clock.monotonicNs();
    let kernelUs: number | null = null;
    if (fs.stamps) {
      try {
        kernelUs = fs.stamps.receivedUs(); // the packet raw-socket has just read
      } catch {
        kernelUs = null;
      }
    }
    const reply = parseEchoReply(family, buffer);
    if (!reply || reply.identifier !== this.identifier) return;
    const pending = fs.pending.get(reply.sequence);
    if (!pending || pending.sentNs === null || pending.address !== source) return;
    fs.pending.delete(reply.sequence);
    const userRtt = Number((receivedNs - pending.sentNs) / 1000n);
    // The kernel's receive time is the true one; trusted when it is sane against the monotonic
    // clock (a wall-clock step between send and reply would make it wrong).
    const kernelRtt = kernelUs !== null && pending.sentUs !== null ? Math.round(kernelUs - pending.sentUs) : null;
    const rtt = kernelRtt !== null && kernelRtt >= 0 && kernelRtt <= userRtt + 50 ? kernelRtt : userRtt;
    pending.resolve(Math.max(0, rtt));
  }

  private takeSequence(fs: FamilySocket): number | null {
    for (let tries = 0; tries < 0x10000; tries++) {
      const seq = fs.nextSequence;
      fs.nextSequence = (fs.nextSequence + 1) & 0xffff;
      if (!fs.pending.has(seq)) return seq;
    }
    return null;
  }
}
