import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file gets its own process: end-to-end tests spawn the built app and own ports.
    pool: "forks",
  },
});
