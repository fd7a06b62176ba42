import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { PasswordResetService } from './password-reset.service';

/** A real SMTP server on loopback that keeps every message it receives. */
async function startMailbox(): Promise<{ server: SMTPServer; port: number; messages: { to: string[]; body: string }[] }> {
  const messages: { to: string[]; body: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      let body = '';
      stream.on('data', (c: Buffer) => (body += c.toString()));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
        done();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.server.address() as AddressInfo).port, messages };
}

describe(`${PasswordResetService.name} with SMTP configured`, () => {
  let server: TestServer;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({
      MESHPING_SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
      MESHPING_MAIL_FROM: 'monitor@example.test',
      MESHPING_PUBLIC_URL: 'https://meshping.example.test',
    });
  });
  afterAll(async () => {
    await server.stop();
    await new Promise<void>((ok) => mailbox.server.close(() => ok()));
  });

  it('mails the one-time link to the user instead of showing it to the admin, and the mailed link works', async () => {
    const admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    const created = await admin.post('/api/users', { username: 'mia', password: 'mia password 12', role: 'operator', email: 'mia@example.test' });
    const issued = await admin.post(`/api/users/${created.body.id}/reset-link`);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ mailed: true, link: null });

    expect(mailbox.messages).toHaveLength(1);
    expect(mailbox.messages[0].to).toEqual(['mia@example.test']);
    const body = mailbox.messages[0].body.replace(/=\r?\n/g, '');
    const link = /https:\/\/meshping\.example\.test\/reset-password\?token=3D([A-Za-z0-9_-]+)|https:\/\/meshping\.example\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(body);
    const token = (link?.[1] ?? link?.[2]) as string;
    expect(token).toBeDefined();
    expect((await new ApiClient(server.url).post('/api/auth/reset', { token, newPassword: 'mia chose this one' })).status).toBe(204);
    expect((await new ApiClient(server.url).login('mia', 'mia chose this one')).status).toBe(200);
  });
});
