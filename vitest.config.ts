/**
 * The test projects. `unit` (everything but test/e2e) runs from the sources in worker threads and
 * needs no build, so `npm run test:unit` answers in well under a minute. `unit-process` holds the few
 * unit files that change process-wide state a worker thread may not touch (`process.umask(mask)`);
 * they run in a process of their own. `e2e` spawns the built app (lib/bin/start.js), owns ports and
 * kills processes, so each of its files gets a process too. `npm test` builds and runs all three.
 */
import { defineConfig } from "vitest/config";

/** Unit files that need a process of their own; each line says why. */
const NEEDS_PROCESS = [
  // Sets process.umask(0o022) to prove the SQLite files are 0600 whatever the umask.
  "test/store/sqlite-store.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", ...NEEDS_PROCESS],
          pool: "threads",
        },
      },
      {
        extends: true,
        test: { name: "unit-process", include: NEEDS_PROCESS, pool: "forks" },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], pool: "forks" },
      },
    ],
  },
});
