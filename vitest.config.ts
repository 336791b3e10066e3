import { defineConfig } from 'vitest/config';

// Tests live beside the code. Kernel tests (*.kernel.test.ts) need root and iproute2/nft/CNI
// plugins; they skip themselves, with the reason, where those are missing.
export default defineConfig({
  test: {
    include: ['{cluster,generators,harness,properties,reports,cli,bench,ci,local-cluster}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
