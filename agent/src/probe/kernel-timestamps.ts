import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The native part (agent/native/icmp_stamp.c, built with node-gyp by `nx run agent:native`). */
interface StampAddon {
  isIcmpRaw(fd: number, family: 4 | 6): boolean;
  enable(fd: number): void;
  /** Kernel receive time of the last packet read from fd, epoch µs (CLOCK_REALTIME). */
  lastReceivedUs(fd: number): number;
  /** CLOCK_REALTIME now, epoch µs. */
  nowUs(): number;
  /** glibc malloc_trim(0): the malloc heap's free pages back to the kernel; whether any were released. */
  trimHeap(): boolean;
}

/** Beside the bundle (dist/agent) or in the source tree (tests). */
const CANDIDATES = [join(__dirname, 'icmp_stamp.node'), join(__dirname, '../../native/build/Release/icmp_stamp.node')];

let addon: StampAddon | null | undefined;

/** The addon, or null when it was not built (the prober then times replies in user space). */
export function stampAddon(): StampAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  for (const path of CANDIDATES) {
    if (!existsSync(path)) continue;
    const m = { exports: {} as StampAddon };
    process.dlopen(m, path); // a plain require would be rewritten by the bundler
    addon = m.exports;
    break;
  }
  return addon;
}

/**
 * Gives the free memory of the malloc heap back to the kernel (malloc_trim(0), through the addon).
 * glibc keeps what start-up and a new target list freed as resident memory otherwise. False when
 * nothing was released or the addon is missing.
 */
export function trimHeap(): boolean {
  return stampAddon()?.trimHeap() ?? false;
}

/** The process's open sockets as "fd=socket:[inode]" (a number alone can be reused at once). */
export function openFds(): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const link = readlinkSync(`/proc/self/fd/${fd}`);
        if (link.startsWith('socket:')) out.add(`${fd}=${link}`);
      } catch {
        /* closed meanwhile (e.g. the directory's own descriptor) */
      }
    }
  } catch {
    /* no /proc: not Linux */
  }
  return out;
}

/**
 * Kernel receive timestamps on a raw socket raw-socket has just opened: finds its descriptor
 * (the one new raw ICMP socket of that family since `before`) and switches receive timestamps on.
 * Returns a reader, or null when that is not possible (no addon, not Linux, ambiguous descriptor).
 */
export function kernelStamps(family: 4 | 6, before: Set<string>): { fd: number; sentUs(): number; receivedUs(): number } | null {
  const native = stampAddon();
  if (!native) return null;
  const fresh = [...openFds()].filter((entry) => !before.has(entry)).map((entry) => Number(entry.split('=')[0]));
  const raw = fresh.filter((fd) => native.isIcmpRaw(fd, family));
  if (raw.length !== 1) return null;
  const fd = raw[0];
  native.enable(fd);
  return { fd, sentUs: () => native.nowUs(), receivedUs: () => native.lastReceivedUs(fd) };
}
