import { defineConfig } from 'vitest/config';

// Tests against a real local cluster (`netprops local-cluster`): root, minutes each, one at a time
// (each brings up its own cluster; two at once would halve a 2-core machine).
export default defineConfig({
  test: {
    include: ['**/*.cluster.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 10 * 60_000,
    hookTimeout: 50 * 60_000,
    fileParallelism: false,
    pool: 'forks',
    globalSetup: ['./vitest.tmpdir.ts'],
  },
});
