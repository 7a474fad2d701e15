/** Runs `notifier` commands in-process with captured output. */
import { runCli, type CliDeps } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  params: { env?: Record<string, string>; cwd?: string; deps?: CliDeps } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    io: {
      env: params.env ?? {},
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      cwd: params.cwd ?? process.cwd(),
    },
    ...(params.deps ? { deps: params.deps } : {}),
  });
  return { code, stdout, stderr };
}
