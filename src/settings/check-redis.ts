/**
 * Probot shares GitHub API throttling through Redis when `REDIS_URL` is set, and every GitHub
 * request then waits for Redis: an unreachable one would stall routing without a word about
 * `REDIS_URL`. So it is checked once at start-up.
 */
import { SettingsError } from "./settings-error.js";

/**
 * Connects, pings and disconnects; throws a {@link SettingsError} naming `REDIS_URL` on failure.
 *
 * @example
 * await checkRedis("redis://127.0.0.1:6379");
 */
export async function checkRedis(redisUrl: string, timeoutMs = 5_000): Promise<void> {
  // Loaded only when REDIS_URL is set: 3.8 MiB of memory an app without Redis never needs.
  const { Redis } = await import("ioredis");
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The connection's own error says more than the rejected connect ("Connection is closed").
  let cause: Error | null = null;
  client.on("error", (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const where = new URL(redisUrl);
    throw new SettingsError(
      "REDIS_URL",
      `REDIS_URL: Redis at ${where.hostname}:${where.port || "6379"} does not answer (${(cause ?? (error as Error)).message}); start it or unset REDIS_URL`,
    );
  } finally {
    client.disconnect();
  }
}
