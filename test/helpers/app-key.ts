/**
 * A GitHub App private key for tests: one RSA key per test process (making one takes a while),
 * as PEM text or written to a file for `PRIVATE_KEY_PATH`. The fake GitHub accepts any key.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

let pem: string | undefined;

/**
 * The process's test App key, PKCS#1 PEM as GitHub hands them out.
 *
 * @example
 * const probot = new Probot({ appId: 1, privateKey: testAppKey(), ... });
 */
export function testAppKey(): string {
  pem ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  return pem;
}

/**
 * Writes the test App key into `dir` and returns its path, for the built app's `PRIVATE_KEY_PATH`.
 *
 * @example
 * const keyPath = writeTestAppKey(tempDir());
 */
export function writeTestAppKey(dir: string): string {
  const path = join(dir, "app-key.pem");
  writeFileSync(path, testAppKey(), { mode: 0o600 });
  return path;
}
