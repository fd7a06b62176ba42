import type { Config } from 'jest';
import { getJestProjectsAsync } from '@nx/jest';

// Every Nx project's jest config in one run (tools/test.sh prints the closing summary line).
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
});
