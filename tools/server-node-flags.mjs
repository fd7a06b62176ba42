// V8 flags the server runs with: `npm start` (tools/start.mjs), the benchmarks, and (written out)
// deploy/systemd/meshping-server.service. A 32 MB young generation (V8's default tops out at 16 MB)
// lets a group commit's frames and batches, alive ~100 ms until the commit resolves, die young
// instead of being promoted: at 200,000 results/s it cut old-generation collections from 24 to 9 a
// minute and the longest event-loop pause from 57 to 48 ms (docs/architecture.md, "Event-loop
// pauses"), for ~60-90 MB more RSS.
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];
