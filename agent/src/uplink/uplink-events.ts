import type { ServerToAgent } from '@meshping/protocol';

type ServerMessage<T extends ServerToAgent['type']> = Extract<ServerToAgent, { type: T }>;

/**
 * What the link reports. The uplink acts on nothing outside the link itself; the runtime decides
 * what each event means for the rest of the agent (the scheduler, the Wake-on-LAN sender, the status).
 */
export interface UplinkEvents {
  /** Welcomed: results flow, the backlog resend has begun. */
  connected: { agentId: number };
  /** The link went down by itself (not closed by the agent on purpose), and why, in words. */
  disconnected: { reason: string };
  /** Registered, waiting for an admin's approval: connected, but no results are accepted. */
  pending: ServerMessage<'pending'>;
  /** Approved before, now on hold: results wait in the buffer. */
  hold: ServerMessage<'hold'>;
  /** The agent must stop: the server will not have it, or cannot be trusted. The link stays down. */
  rejected: { message: string };
  /** The server's commands and reports, by message type. */
  targets: ServerMessage<'targets'>;
  'targets-changed': ServerMessage<'targets-changed'>;
  wake: ServerMessage<'wake'>;
  'server-error': ServerMessage<'error'>;
}

export type UplinkListener<K extends keyof UplinkEvents> = (event: UplinkEvents[K]) => void;

/** Listeners by event, typed (Node's EventEmitter would treat an event named 'error' specially). */
export class UplinkEmitter {
  private readonly listeners: { [K in keyof UplinkEvents]?: UplinkListener<K>[] } = {};

  on<K extends keyof UplinkEvents>(event: K, listener: UplinkListener<K>): void {
    const list: UplinkListener<K>[] = this.listeners[event] ?? [];
    list.push(listener);
    this.listeners[event] = list as (typeof this.listeners)[K];
  }

  emit<K extends keyof UplinkEvents>(event: K, payload: UplinkEvents[K]): void {
    for (const listener of this.listeners[event] ?? []) (listener as UplinkListener<K>)(payload);
  }
}
