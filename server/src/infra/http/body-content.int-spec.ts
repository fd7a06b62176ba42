import { DataSource } from 'typeorm';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { bodyContentProblem } from './body-parsing';

/**
 * Found by the route fuzzer (issue #13): a lone surrogate in an email answered 500 (validator.js's
 * isEmail throws URIError on it), and "__proto__"/"constructor"/"prototype" keys were dropped unseen
 * (200/201) instead of refused like other unknown fields. Both are refused once, by the body parser.
 */
describe('HTTP edge: what a JSON body may hold', () => {
  let server: TestServer;
  let admin: ApiClient;
  const sql = (query: string) => server.app.get(DataSource).query(query) as Promise<Record<string, unknown>[]>;
  const setupBody = (email: string) => `{"setupCode":"${server.setupCode()}","username":"admin","password":"admin password 1","email":"${email}"}`;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('refuses a lone surrogate in the setup email with 400 naming the field; no admin is created', async () => {
    const res = await new ApiClient(server.url).send('POST', '/api/auth/setup', setupBody('\\ud800@example.com'));
    expect([res.status, res.body.message]).toEqual([400, 'Request body field $.email is not well-formed Unicode (it holds a lone surrogate).']);
    expect(await sql('SELECT id FROM users')).toEqual([]);
    // Then setup with a good body works, and the admin signs in.
    admin = new ApiClient(server.url);
    expect((await admin.send('POST', '/api/auth/setup', setupBody('admin@example.com'))).status).toBe(200);
    expect((await admin.login('admin', 'admin password 1')).status).toBe(200);
  });

  it('refuses lone surrogates in emails on create and update of a user, in strings at any depth and in keys', async () => {
    const create = (email: string) => `{"username":"u1","password":"user password 1","role":"viewer","email":"${email}"}`;
    for (const email of ['\\ud800', 'a\\udfff@example.com', 'x\\udbff\\udbff@example.com']) {
      const res = await admin.send('POST', '/api/users', create(email));
      expect([email, res.status, res.body.message]).toEqual([email, 400, 'Request body field $.email is not well-formed Unicode (it holds a lone surrogate).']);
    }
    expect(await sql("SELECT id FROM users WHERE username = 'u1'")).toEqual([]);
    const created = await admin.send('POST', '/api/users', create('u1@example.com'));
    expect(created.status).toBe(201);
    const patch = await admin.send('PATCH', `/api/users/${created.body.id}`, '{"email":"\\ud800"}');
    expect([patch.status, patch.body.message]).toEqual([400, 'Request body field $.email is not well-formed Unicode (it holds a lone surrogate).']);
    expect(await sql(`SELECT email FROM users WHERE id = ${Number(created.body.id)}`)).toEqual([{ email: 'u1@example.com' }]);

    const deep = await admin.send('PATCH', '/api/settings', '{"targetDenyRanges":["10.0.0.0/8","\\udc00"]}');
    expect([deep.status, deep.body.message]).toEqual([400, 'Request body field $.targetDenyRanges[1] is not well-formed Unicode (it holds a lone surrogate).']);
    const key = await admin.send('PATCH', '/api/settings', '{"a":{"\\ud800x":1}}');
    expect([key.status, key.body.message]).toEqual([400, 'Request body key at $.a is not well-formed Unicode (it holds a lone surrogate).']);
    // A surrogate pair (an emoji) escaped in JSON is well-formed and reaches the validators.
    const pair = await admin.send('POST', '/api/users', create('\\ud83d\\ude00@example.com'));
    expect(pair.status).toBe(400);
    expect(pair.body.message).toEqual(['email must be an email']);
  });

  it('refuses "__proto__", "constructor" and "prototype" keys with 400, at the top and nested; nothing changes', async () => {
    const before = (await admin.get('/api/settings')).body;
    const bodies: [string, string, string][] = [
      ['PATCH', '/api/settings', '{"fullMesh":true,"__proto__":{"isAdmin":true}}'],
      ['PATCH', '/api/settings', '{"fullMesh":true,"constructor":{"prototype":{"x":1}}}'],
      ['PATCH', '/api/settings', '{"fullMesh":true,"prototype":1}'],
      ['POST', '/api/targets', '{"address":"192.0.2.7","name":"t","__proto__":null}'],
      ['POST', '/api/users', '{"username":"u2","password":"user password 2","role":"viewer","constructor":1}'],
      ['POST', '/api/auth/login', '{"username":"admin","password":"admin password 1","__proto__":{}}'],
    ];
    for (const [method, path, body] of bodies) {
      const res = await admin.send(method, path, body);
      const key = /"(__proto__|constructor|prototype)"/.exec(body)?.[1];
      expect([path, res.status, res.body.message]).toEqual([path, 400, `Request body key "${key}" at $ is not allowed: it is not a field of any request.`]);
    }
    const nested = await admin.send('PATCH', '/api/settings', '{"targetDenyRanges":[{"__proto__":{}}]}');
    expect([nested.status, nested.body.message]).toEqual([400, 'Request body key "__proto__" at $.targetDenyRanges[0] is not allowed: it is not a field of any request.']);
    expect((await admin.get('/api/settings')).body).toEqual(before);
    expect(await sql("SELECT id FROM targets WHERE address = '192.0.2.7'")).toEqual([]);
    expect(await sql("SELECT id FROM users WHERE username = 'u2'")).toEqual([]);
    // The words as values, or inside longer keys' values, are fine.
    expect((await admin.send('POST', '/api/targets', '{"address":"192.0.2.8","name":"constructor"}')).status).toBe(201);
  });

  it('cannot be reached by query strings or path parameters: they decode to U+FFFD or are refused with 400', async () => {
    // No route takes a string from the query, and the app's query parser (Express's "simple", node's
    // querystring) turns undecodable UTF-8 and %u escapes into U+FFFD or leaves them as text.
    const parseQuery = server.app.getHttpAdapter().getInstance().get('query parser fn') as (q: string) => Record<string, string>;
    const parsed = parseQuery('a=%ED%A0%80&b=%uD800&c=%ED%B0%80x&d%ED%A0%80=1');
    expect(Object.keys(parsed)).toHaveLength(4);
    expect(bodyContentProblem(parsed)).toBeNull();
    expect(parsed['a']).toBe('\uFFFD\uFFFD\uFFFD');
    expect((await admin.get('/api/audit?limit=%ED%A0%80')).status).toBe(400);
    // Path parameters are decoded with decodeURIComponent, which refuses it (400, not a 500 and not a 404).
    for (const path of ['/api/users/%ED%A0%80', '/api/pairs/%ED%A0%80/1/stats?from=0&to=1']) {
      const res = await admin.send(path.startsWith('/api/users') ? 'PATCH' : 'GET', path, path.startsWith('/api/users') ? '{"disabled":true}' : undefined);
      expect([path, res.status]).toEqual([path, 400]);
    }
    expect((await admin.get('/api/health')).status).toBe(200);
  });

  it('bodyContentProblem shortens very long key paths in its message', () => {
    const long = 'k'.repeat(5000);
    const problem = bodyContentProblem({ [long]: '\ud800' }) ?? '';
    expect(problem.length).toBeLessThan(220);
    expect(problem).toMatch(/^Request body field \$\.k+\.\.\. is not well-formed Unicode/);
  });
});
