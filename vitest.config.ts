import { defineConfig } from 'vitest/config'

// Two projects: `unit` needs no engine and no network beyond loopback; `integration` drives the real tiers
// (workers, the Docker engine with runc and runsc) and gets longer timeouts.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Container tests share one engine on a 2-core machine: run files one at a time. No file depends on
          // the order (vitest orders by size and past durations): engine-restart.test.ts waits until the
          // engine answers and has the image before it ends, so any file may follow it.
          fileParallelism: false,
        },
      },
    ],
  },
})
