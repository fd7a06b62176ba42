import { ConfigError } from '@meshping/node-kit';
import { encodePassphrase } from '@meshping/protocol';
import { loadAgentConfig } from './agent-config';

const base = { MESHPING_SERVER_URL: 'https://127.0.0.1:8443/', MESHPING_AGENT_TOKEN_FILE: '/var/lib/meshping/local-agent.token' };

describe('agent configuration', () => {
  it('turns the server URL into its WebSocket base and normalises the fingerprint', () => {
    const config = loadAgentConfig({ ...base, MESHPING_SERVER_FINGERPRINT: 'ab:'.repeat(31) + 'ab' });
    expect(config.MESHPING_SERVER_URL).toBe('wss://127.0.0.1:8443');
    expect(config.MESHPING_SERVER_FINGERPRINT).toBe('AB'.repeat(32));
  });

  it('accepts the server settings a shared environment carries', () => {
    expect(() => loadAgentConfig({ ...base, MESHPING_DATA_DIR: 'data', MESHPING_TLS: 'on', MESHPING_PORT: '0' })).not.toThrow();
  });

  it.each([
    [{ MESHPING_AGENT_TOKEN_FILE: '/x' }, 'MESHPING_SERVER_URL'],
    [{ ...base, MESHPING_SERVER_URL: 'ftp://server' }, 'MESHPING_SERVER_URL: must be an http(s):// or ws(s):// URL'],
    [{ ...base, MESHPING_SERVER_FINGERPRINT: 'abc' }, 'MESHPING_SERVER_FINGERPRINT: must be a SHA-256 fingerprint'],
    // Full mesh copies the hostname into a target's name; the server refuses such a hello.
    [{ ...base, MESHPING_AGENT_HOSTNAME: 'probe\u202E10' }, 'MESHPING_AGENT_HOSTNAME: hostname must not contain control or format characters (U+202E at 5)'],
    [{ ...base, MESHPING_AGENT_HOSTNAME: 'probe-10 ' }, 'MESHPING_AGENT_HOSTNAME: hostname must not start or end with whitespace'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadAgentConfig(env)).toThrow(ConfigError);
    expect(() => loadAgentConfig(env)).toThrow(message);
  });
});

describe('agent configuration from a join passphrase', () => {
  it('takes the server URL and certificate fingerprint from the passphrase', () => {
    const passphrase = encodePassphrase({ url: 'https://monitor.example:8443', fingerprint: 'CD'.repeat(32), secret: 'a'.repeat(43) });
    const config = loadAgentConfig({ MESHPING_PASSPHRASE: passphrase });
    expect(config.MESHPING_SERVER_URL).toBe('wss://monitor.example:8443');
    expect(config.MESHPING_SERVER_FINGERPRINT).toBe('CD'.repeat(32));
    expect(config.MESHPING_PASSPHRASE?.secret).toBe('a'.repeat(43));
  });

  it('refuses something that is not a passphrase, and a setup with neither passphrase nor URL', () => {
    expect(() => loadAgentConfig({ MESHPING_PASSPHRASE: 'hunter2' })).toThrow('MESHPING_PASSPHRASE: not a Meshping join passphrase');
    expect(() => loadAgentConfig({})).toThrow('set MESHPING_PASSPHRASE');
  });
});
