#!/usr/bin/env node
// A user-space ICMP echo responder for test networks (NETLAB.md: this kernel has no netem).
// Run it inside a target namespace whose kernel echo replies are switched off
// (net.ipv4.icmp_echo_ignore_all=1, net.ipv6.icmp.echo_ignore_all=1); it answers every echo
// request (IPv4 and IPv6) after DELAY_MS and drops LOSS_PERCENT of them at random, so every
// prober on the path (iputils ping, fping, the agent) sees the same impaired path.
// Usage: icmp-responder.cjs DELAY_MS LOSS_PERCENT   (prints "ready" once both sockets are open)
'use strict';
const raw = require('raw-socket');

const delayMs = Number(process.argv[2] ?? 0);
const lossPercent = Number(process.argv[3] ?? 0);
if (!(delayMs >= 0) || !(lossPercent >= 0 && lossPercent <= 100)) {
  process.stderr.write('usage: icmp-responder.cjs DELAY_MS LOSS_PERCENT\n');
  process.exit(2);
}

const counts = { requests: 0, dropped: 0, replied: 0 };

function checksum(buf) {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function open(family) {
  const socket =
    family === 4
      ? raw.createSocket({ protocol: raw.Protocol.ICMP, addressFamily: raw.AddressFamily.IPv4 })
      : raw.createSocket({ protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 });
  socket.on('message', (buffer, source) => {
    const icmp = family === 4 ? buffer.subarray((buffer[0] & 0x0f) * 4) : buffer;
    if (icmp.length < 8 || icmp[0] !== (family === 4 ? 8 : 128)) return;
    counts.requests++;
    if (Math.random() * 100 < lossPercent) {
      counts.dropped++;
      return;
    }
    const reply = Buffer.from(icmp);
    reply[0] = family === 4 ? 0 : 129;
    reply.writeUInt16BE(0, 2);
    if (family === 4) reply.writeUInt16BE(checksum(reply), 2); // the kernel fills in ICMPv6's
    setTimeout(() => {
      socket.send(reply, 0, reply.length, source, () => undefined, (err) => {
        if (!err) counts.replied++;
      });
    }, delayMs);
  });
  socket.on('error', (err) => {
    process.stderr.write(`icmp-responder: IPv${family} socket: ${err.message}\n`);
    process.exit(1);
  });
  return socket;
}

const sockets = [open(4), open(6)];
process.stdout.write('ready\n');
const stop = () => {
  for (const s of sockets) s.close();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
