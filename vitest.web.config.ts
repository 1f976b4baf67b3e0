import { defineConfig } from "vitest/config";

// `npm run test:web`: the browser page's end-to-end tests in headless Chromium (test/web/*.e2e.ts),
// kept out of `npm test`'s suite; the script builds web/dist first.
export default defineConfig({
  test: {
    include: ["test/web/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
