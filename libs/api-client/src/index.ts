// The Meshping REST API: types and one function per operation, generated from docs/openapi.json
// (src/generated, never edited), plus how to point them at a server (lib/meshping-client.ts).
export * from './generated';
export { ApiError, configureClient, createMeshpingClient, type MeshpingClientOptions } from './lib/meshping-client';
export { client as defaultClient } from './generated/client.gen';
export type { Client } from './generated/client';
