import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest runs cores − 1 files at once by default: one on these 2-core machines
    maxWorkers: 2,
  },
});
