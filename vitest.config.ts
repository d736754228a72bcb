import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: the workerd suite builds a bundle and runs five workerd isolates; keep files from starving each other.
    maxWorkers: 2,
    // A file's imports (the app, the AWS SDK clients, zod, Hono) take a few seconds to evaluate; with the
    // default isolation every one of the ~95 files paid that again. The files share nothing but modules:
    // each starts its own stores and apps, and the few that set the process's metrics sink reset it.
    isolate: false,
  },
});
