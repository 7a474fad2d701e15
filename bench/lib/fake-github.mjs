/**
 * The bench's GitHub is the tests' loopback fake (`test/helpers/fake-github.ts`), serving one
 * repository's `.github/notifier.yml` (with an ETag, 304 on a match) and counting every request
 * by route. Its delivery log is empty, so the app's start-up redelivery check costs one call.
 */
import { importHelper } from "./typescript.mjs";

const { startFakeGitHub: startHelper } = await importHelper("fake-github.ts");

/** The small valid config the API measurement routes by. */
export const BENCH_CONFIG = "routes:\n  - on: [issues.opened]\n";

/**
 * @example
 * const github = await startFakeGitHub({ owner: "Codertocat", repo: "Hello-World" });
 * github.counts(); // { "POST /app/installations/{installation_id}/access_tokens": 1, ... }
 */
export async function startFakeGitHub({ owner, repo }) {
  const github = await startHelper({ appId: "1" });
  github.setFile({ owner, repo, path: ".github/notifier.yml", text: BENCH_CONFIG });
  return github;
}
