import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { EnrollmentService } from './enrollment.service';

// Found by the API fuzzer (api.fuzz.int-spec.ts): without TLS these answered 500.
describe(`${EnrollmentService.name} on a server without TLS (MESHPING_TLS=off)`, () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_TLS: 'off' });
    admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
  });
  afterAll(() => server.stop());

  it('answers 409 naming the reason for the passphrase and for a rotation, and rotates nothing', async () => {
    const passphrase = await admin.get('/api/enrollment');
    expect(passphrase.status).toBe(409);
    expect(passphrase.body.message).toBe('Enrollment needs TLS (MESHPING_TLS=on): the passphrase carries the certificate fingerprint agents pin.');
    const rotate = await admin.post('/api/enrollment/rotate');
    expect(rotate.status).toBe(409);
    expect(rotate.body.message).toContain('MESHPING_TLS=on');
    const audit = (await admin.get('/api/audit')).body as { action: string }[];
    expect(audit.map((e) => e.action)).not.toContain('enrollment.passphrase-rotated');
  });
});
