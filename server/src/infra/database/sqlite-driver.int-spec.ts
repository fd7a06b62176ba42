import { DataSource } from 'typeorm';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { quietSqlite3 } from './sqlite-driver';

describe(`${quietSqlite3.name} (the real app's data source on a real SQLite file)`, () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(async () => server.stop());

  it('runs queries without sqlite3 long-stack-trace wrappers (no per-call Error and util.inspect of arguments)', async () => {
    const db = server.app.get(DataSource);
    expect(await db.query('SELECT ? AS v', [41])).toEqual([{ v: 41 }]);
    const failed: { message: string; driverError?: Error } = await db.query('SELECT * FROM no_such_table WHERE x = ?', ['an argument']).catch((e) => e);
    // The SQLite message is kept ...
    expect(failed.message).toContain('no such table: no_such_table');
    // ... without the trace the verbose mode appends ("--> in Database#all('SELECT ...', [ 'an argument' ], ...)").
    expect(failed.driverError?.stack ?? '').not.toContain('--> in ');
  });
});
