import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../infra/http/openapi-document';
import { startTestServer, type TestServer } from '../testing/test-server';

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Served under /api but not part of the REST contract: Swagger UI with its assets, and the document itself. */
const notApi = (route: string) => /^GET \/api\/(docs(\/|-json$|-yaml$|$)|openapi\.json$)/.test(route);

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * The REST contract is the OpenAPI document: every route the router serves under /api is in it,
 * nothing in it is missing from the router, and the committed docs/openapi.json is the document the
 * running server builds (CI's openapi-check compares the built file; this compares the live router).
 */
describe('OpenAPI document vs the router', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  function routerRoutes(): Set<string> {
    const express = server.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
    const routes = new Set<string>();
    for (const layer of express.router.stack) {
      if (!layer.route) continue;
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        if (!path.startsWith('/api')) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${toOpenApiPath(path)}`);
        }
      }
    }
    return routes;
  }

  function documentedRoutes(doc: { paths: object }): Set<string> {
    const routes = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(item)) {
        if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) routes.add(`${method.toUpperCase()} ${path}`);
      }
    }
    return routes;
  }

  it('documents every route under /api and nothing else', () => {
    const served = [...routerRoutes()].filter((r) => !notApi(r)).sort();
    const documented = [...documentedRoutes(buildOpenApi(server.app))].sort();
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]); // served, not documented
    expect(documented.filter((r) => !served.includes(r))).toEqual([]); // documented, not served
  });

  it('the committed docs/openapi.json has the same operations, each with an operationId, a summary and its errors', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/openapi.json'), 'utf8'));
    expect([...documentedRoutes(committed)].sort()).toEqual([...documentedRoutes(buildOpenApi(server.app))].sort());
    const ids = new Set<string>();
    for (const item of Object.values(committed.paths) as Record<string, { operationId: string; summary: string; responses: Record<string, { content?: unknown }> }>[]) {
      for (const op of Object.values(item)) {
        expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(op.summary.length).toBeGreaterThan(10);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) expect({ status, content: response.content }).toEqual({ status, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } });
        }
      }
    }
  });
});
