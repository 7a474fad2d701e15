/**
 * Reading an untrusted webhook body. A signature proves who sent a payload, not that it has
 * the shape @octokit/webhooks-types describes, so every value is checked where it is read.
 * The webhook type still names the keys, so a misspelt field is a compile error.
 */

/**
 * A JSON object from a webhook body. `T` is the webhook type that names its keys; the values
 * themselves are unchecked until read with {@link child}, {@link text}, {@link count}...
 */
export type Untrusted<T> = Readonly<Record<string, unknown>> & {
  /** Never present at run time: carries `T` so that key names are checked. */
  readonly __shape?: T;
};

type KeyOf<T> = keyof T & string;
type ElementOf<V> = NonNullable<V> extends readonly (infer E)[] ? E : never;

/**
 * `value` as an untrusted object, or `null` when it is not a plain JSON object.
 *
 * @example
 * const payload = untrusted<IssuesEvent>(JSON.parse(body));
 */
export function untrusted<T>(value: unknown): Untrusted<T> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Untrusted<T>)
    : null;
}

/**
 * The object under `key`, or `null` when it is missing or not an object.
 *
 * @example
 * const issue = child(payload, "issue"); // Untrusted<Issue> | null
 */
export function child<T, K extends KeyOf<T>>(
  parent: Untrusted<T> | null,
  key: K,
): Untrusted<NonNullable<T[K]>> | null {
  return parent === null ? null : untrusted<NonNullable<T[K]>>(parent[key]);
}

/**
 * The string under `key`, or `null` when it is missing or not a string.
 *
 * @example
 * text(issue, "title") // "Spelling error in the README file"
 */
export function text<T>(parent: Untrusted<T> | null, key: KeyOf<T>): string | null {
  const value = parent?.[key];
  return typeof value === "string" ? value : null;
}

/**
 * The finite number under `key`, or `null`.
 *
 * @example
 * count(repository, "stargazers_count") // 42
 */
export function count<T>(parent: Untrusted<T> | null, key: KeyOf<T>): number | null {
  const value = parent?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * Whether `key` holds exactly `true`; anything else (missing, `"true"`, `1`) is `false`.
 *
 * @example
 * flag(pullRequest, "draft") // false
 */
export function flag<T>(parent: Untrusted<T> | null, key: KeyOf<T>): boolean {
  return parent?.[key] === true;
}

/**
 * The objects in the array under `key`; non-objects in it are skipped.
 *
 * @example
 * items(issue, "labels").map((label) => text(label, "name"))
 */
export function items<T, K extends KeyOf<T>>(
  parent: Untrusted<T> | null,
  key: K,
): Untrusted<ElementOf<T[K]>>[] {
  const value = parent?.[key];
  if (!Array.isArray(value)) return [];
  return value.flatMap((element: unknown) => {
    const object = untrusted<ElementOf<T[K]>>(element);
    return object === null ? [] : [object];
  });
}
