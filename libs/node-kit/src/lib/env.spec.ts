import { z } from 'zod';
import { ConfigError, parseEnv } from './env';

const schema = z.object({
  MESHPING_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  MESHPING_NAME: z.string().optional(),
});

describe(parseEnv.name, () => {
  it('reads only its own variables and applies defaults; empty counts as unset', () => {
    expect(parseEnv(schema, { MESHPING_PORT: '0', PATH: '/bin', MESHPING_NAME: '' })).toEqual({ MESHPING_PORT: 0 });
    expect(parseEnv(schema, {})).toEqual({ MESHPING_PORT: 8443 });
  });

  it('names every bad variable and refuses unknown MESHPING_ settings (a typo must not pass silently)', () => {
    const run = () => parseEnv(schema, { MESHPING_PORT: '70000', MESHPING_PROT: '1' });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/MESHPING_PROT: unknown setting/);
    expect(run).toThrow(/MESHPING_PORT: Too big/);
  });

  it('accepts variables another Meshping process reads from the same environment', () => {
    expect(parseEnv(schema, { MESHPING_SERVER_URL: 'x' }, ['MESHPING_SERVER_URL'])).toEqual({ MESHPING_PORT: 8443 });
  });
});
