import { DataSource } from 'typeorm';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { MonitoringService } from '../monitoring/monitoring.service';
import { HealthController } from './health.controller';

/** The real server on port 0 and a real SQLite file: liveness and readiness as a probe sees them. */
describe(`${HealthController.name}: liveness and readiness (real server)`, () => {
  let server: TestServer;
  let anonymous: ApiClient;

  beforeEach(async () => {
    server = await startTestServer();
    anonymous = new ApiClient(server.url);
  });
  afterEach(async () => {
    await server.stop().catch(() => undefined);
  });

  it('is live and ready without a session when the database answers and ingest is accepting', async () => {
    const live = await anonymous.get('/api/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await anonymous.get('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.info.database.status).toBe('up');
    expect(ready.body.info.ingest).toEqual({ status: 'up', waitingMs: 0 });
  });

  it('answers 503 naming the check that is down: storage stopping, the database gone; live all along', async () => {
    await server.app.get(MonitoringService).onApplicationShutdown();
    const stopping = await anonymous.get('/api/health/ready');
    expect(stopping.status).toBe(503);
    expect(stopping.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: ['ingest: sample storage is not accepting results (starting or stopping)'] });
    expect(stopping.body.checks.error.ingest).toEqual({ status: 'down', message: 'sample storage is not accepting results (starting or stopping)' });
    expect(stopping.body.checks.info.database.status).toBe('up');

    await server.app.get(DataSource).destroy();
    const noDatabase = await anonymous.get('/api/health/ready');
    expect(noDatabase.status).toBe(503);
    expect(noDatabase.body.checks.error.database.status).toBe('down');
    expect(noDatabase.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^database: /)]));
    expect((await anonymous.get('/api/health/live')).status).toBe(200);
  });
});
