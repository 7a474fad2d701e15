/**
 * `_extends` inheritance: parse a file, then the file it extends, and so on, merging on the
 * way back. Reading goes through the caller (the cache); cycles and long chains are errors.
 */
import type { ConfigError } from "./config-error.js";
import type { NotifierConfig } from "./config-schema.js";
import { parseExtendsRef } from "./config-values.js";
import { locateKey, mergeConfigs, parseConfig } from "./parse-config.js";
import {
  configFileKey,
  describeConfigFile,
  extendsTarget,
  type ConfigFileRef,
} from "./config-files.js";

/** Most files one `_extends` chain may read, the repository's own included. */
export const MAX_EXTENDS_DEPTH = 5;

export type ExtendsChain =
  | {
      ok: true;
      /** Every file merged, the extending file's keys winning. Has no `_extends`. */
      config: NotifierConfig;
      /** `owner/repo:path` of each file read, the first one first. */
      sources: string[];
    }
  | { ok: false; errors: ConfigError[] };

/**
 * Parses the last of `files` (whose text is `text`) and follows its `_extends`.
 *
 * @example
 * await readExtendsChain({ files: [repositoryConfigFile({ owner: "acme", repo: "api" })], text, read, knownChannels: ["default"] })
 * // { ok: true, config: { channel: "default", routes: [...] }, sources: ["acme/api:.github/notifier.yml", "acme/shared:.github/notifier.yml"] }
 */
export async function readExtendsChain(params: {
  /** The chain so far; the last one is the file being read. */
  files: readonly ConfigFileRef[];
  text: string;
  /** Reads a file from its repository's default branch; `body: null` when there is none. */
  read: (file: ConfigFileRef) => Promise<{ body: string | null; note: string | null }>;
  knownChannels: readonly string[];
  /** Whether the repository being routed may use a channel. */
  mayUse?: (channel: string) => boolean;
}): Promise<ExtendsChain> {
  const { files, text, read } = params;
  const file = files.at(-1);
  if (file === undefined) throw new Error("readExtendsChain needs the file being read");
  const source = describeConfigFile(file);
  const parsed = parseConfig({
    text,
    source,
    knownChannels: params.knownChannels,
    mayUse: params.mayUse,
  });
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { _extends: extendsValue, ...config } = parsed.config;
  if (extendsValue === undefined) return { ok: true, config, sources: [source] };

  const refuse = (message: string): ExtendsChain => ({
    ok: false,
    errors: [{ source, line: locateKey({ text, path: ["_extends"] }), path: "_extends", message }],
  });
  const ref = parseExtendsRef(extendsValue);
  if (ref === null) return refuse(`cannot be read: "${extendsValue}"`);
  const target = extendsTarget({ ref, from: file });
  const trail = [...files, target].map(describeConfigFile).join(" -> ");
  if (files.some((seen) => configFileKey(seen) === configFileKey(target))) {
    return refuse(`makes a cycle: ${trail}; remove \`_extends\` from one of these files`);
  }
  if (files.length >= MAX_EXTENDS_DEPTH) {
    return refuse(
      `chains more than ${MAX_EXTENDS_DEPTH} files (${trail}); extend the last file directly`,
    );
  }
  const base = await read(target);
  if (base.body === null) {
    const why = base.note === null ? "" : ` (${base.note})`;
    return refuse(
      `names ${describeConfigFile(target)}, which does not exist on its default branch${why}`,
    );
  }
  const inherited = await readExtendsChain({
    ...params,
    files: [...files, target],
    text: base.body,
  });
  if (!inherited.ok) return inherited;
  return {
    ok: true,
    config: mergeConfigs(inherited.config, config),
    sources: [source, ...inherited.sources],
  };
}
