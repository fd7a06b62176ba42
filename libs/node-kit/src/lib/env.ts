import type { z } from 'zod';

/** Configuration that cannot be used; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A zod object schema, classic (`zod`) or tree-shakable (`zod/mini`). */
type EnvSchema = z.core.$ZodType & {
  shape: Record<string, unknown>;
  safeParse(data: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } };
};

/**
 * Validates the process environment against a schema once, at start. Unknown MESHPING_* variables
 * are refused too: a typo must not silently fall back to a default.
 */
export function parseEnv<S extends EnvSchema>(
  schema: S,
  env: Record<string, string | undefined>,
  known: readonly string[] = [],
): z.infer<S> {
  const recognised = new Set([...Object.keys(schema.shape), ...known]);
  const unknown = Object.keys(env).filter((k) => k.startsWith('MESHPING_') && !recognised.has(k));
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = schema.safeParse(picked);
  const problems = unknown.map((k) => `${k}: unknown setting`);
  if (!result.success) {
    for (const issue of result.error?.issues ?? []) {
      problems.push(`${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return (result as { data: z.infer<S> }).data;
}
