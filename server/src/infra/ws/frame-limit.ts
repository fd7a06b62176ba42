import type { WebSocket } from 'ws';

/**
 * Lowers (or raises again) the largest frame ws will buffer for one socket. The server-wide
 * maxPayload is 1 MiB (results batches), but before authentication a connection may send only
 * small frames: without this, each of up to 1,024 unauthenticated sockets could make the server
 * buffer a whole 1 MiB frame before the link sees it. ws keeps the limit in its receiver
 * (`_maxPayload`, checked as the frame header arrives, in ws 8); a ws without it keeps the
 * server-wide limit and the link's own size check still refuses the frame.
 */
export function setFrameLimit(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}
