import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: the workerd suite builds a bundle and runs five workerd isolates; keep files from starving each other.
    maxWorkers: 2,
  },
});
