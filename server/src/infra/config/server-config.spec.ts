import { ConfigError } from '@meshping/node-kit';
import { loadServerConfig } from './server-config';

describe('server configuration', () => {
  it('has safe defaults: TLS on, loopback, 8443, 30 min idle / 12 h absolute sessions', () => {
    expect(loadServerConfig({})).toMatchObject({
      MESHPING_TLS: 'on',
      MESHPING_HOST: '127.0.0.1',
      MESHPING_PORT: 8443,
      MESHPING_SESSION_IDLE_MINUTES: 30,
      MESHPING_SESSION_MAX_MINUTES: 720,
      MESHPING_INITIAL_TARGETS: ['127.0.0.1', '::1'],
      MESHPING_METRICS_PAIR_SERIES: false,
    });
  });

  it('accepts the agent settings a shared environment carries (npm start passes one to both)', () => {
    const env = {
      MESHPING_SERVER_URL: 'https://127.0.0.1:8443',
      MESHPING_AGENT_TOKEN_FILE: '/x',
      MESHPING_SERVER_FINGERPRINT: 'AB',
      MESHPING_AGENT_HOSTNAME: 'probe-1',
    };
    expect(() => loadServerConfig(env)).not.toThrow();
  });

  it.each([
    [{ MESHPING_PORT: '99999' }, 'MESHPING_PORT'],
    [{ MESHPING_HOST: 'my host' }, 'MESHPING_HOST: must be an IP address or localhost'],
    [{ MESHPING_TLS: 'maybe' }, 'MESHPING_TLS'],
    [{ MESHPING_TLS_CERT: '/etc/cert.pem' }, 'set both MESHPING_TLS_CERT and MESHPING_TLS_KEY'],
    [{ MESHPING_INITIAL_TARGETS: '127.0.0.1,1.2.3.999' }, 'MESHPING_INITIAL_TARGETS.1: not an IP address or hostname'],
    [{ MESHPING_CORS_ORIGINS: 'not a url' }, 'MESHPING_CORS_ORIGINS'],
    [{ MESHPING_METRICS_PAIR_SERIES: 'yes' }, 'MESHPING_METRICS_PAIR_SERIES'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadServerConfig(env)).toThrow(ConfigError);
    expect(() => loadServerConfig(env)).toThrow(message);
  });

  it('removes duplicate initial targets', () => {
    expect(loadServerConfig({ MESHPING_INITIAL_TARGETS: '::1, ::1,example.com' }).MESHPING_INITIAL_TARGETS).toEqual(['::1', 'example.com']);
  });
});
