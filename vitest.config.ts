import { defineConfig } from 'vitest/config';

// Tests live beside the code. Kernel tests (*.kernel.test.ts) need root and iproute2/nft/CNI
// plugins, browser tests (*.browser.test.ts) chromium; they skip themselves, with the reason, where
// those are missing. Three projects, so `npm run test:fast` runs the rest in seconds:
// `vitest run --project fast`, `--project kernel`, `--project browser`; plain `vitest run` runs all.
const FOLDERS = '{cluster,generators,harness,properties,reports,cli,bench,ci,local-cluster}';
const SLOW = [`${FOLDERS}/**/*.kernel.test.ts`, `${FOLDERS}/**/*.browser.test.ts`];
// Tests against a local Kubernetes cluster take minutes each: `npm run test:local-cluster`.
const ELSEWHERE = ['**/node_modules/**', '**/*.cluster.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./vitest.tmpdir.ts'],
    projects: [
      { extends: true, test: { name: 'fast', include: [`${FOLDERS}/**/*.test.ts`], exclude: [...SLOW, ...ELSEWHERE] } },
      { extends: true, test: { name: 'kernel', include: [SLOW[0]], exclude: ELSEWHERE } },
      { extends: true, test: { name: 'browser', include: [SLOW[1]], exclude: ELSEWHERE } },
    ],
  },
});
