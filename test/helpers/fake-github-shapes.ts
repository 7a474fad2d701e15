/**
 * GitHub's REST objects for the fake GitHub's list routes (installations, repositories, pull
 * requests, reviews), each built from a real payload of @octokit/webhooks-examples with the
 * fields a test sets written over it, so what the fake answers has GitHub's shape and not one
 * a test author remembered. Webhook-only fields the REST lists do not carry are left out.
 */
import { exampleOf } from "./examples.js";

/** An installation of the App, as a test registers it. */
export interface FakeInstallation {
  id: number;
  /** `account.login`. */
  account: string;
  /** `account.type` and `target_type`; default `Organization`. */
  accountType?: "User" | "Organization";
  /** When it was suspended (ISO 8601); GitHub then refuses it tokens. Default null. */
  suspendedAt?: string | null;
  /** Default `all`. */
  repositorySelection?: "all" | "selected";
}

/** A repository an installation can read: `owner/name`, or the fields a test cares about. */
export type FakeRepositoryInput =
  | string
  | {
      /** `owner/name`. */
      fullName: string;
      /** Default: a stable id per full name. */
      id?: number;
      /** Default false. */
      private?: boolean;
      /** Default `main`. */
      defaultBranch?: string;
      /** Default false. */
      archived?: boolean;
    };

/** An open (or closed) pull request of a repository, as a test writes it. */
export interface FakePull {
  number: number;
  /** Default `Pull request #<number>`. */
  title?: string;
  /** `user.login`; null for a pull request whose author GitHub no longer has. Default `Codertocat`. */
  author?: string | null;
  /** Logins in `requested_reviewers`. */
  requestedReviewers?: readonly string[];
  /** Slugs (name = slug) or `{ slug, name }` in `requested_teams`. */
  requestedTeams?: readonly (string | { slug: string; name?: string })[];
  draft?: boolean;
  /** Label names. */
  labels?: readonly string[];
  /** ISO 8601 or a Date; default the example's `2019-05-15T15:20:33Z`. */
  createdAt?: string | Date;
  /** Default `createdAt`. */
  updatedAt?: string | Date;
  /** `base.ref`; default the repository's default branch. */
  baseRef?: string;
  /** `head.ref`; default `changes-<number>`. */
  headRef?: string;
  /** `head.sha`; default a sha of its own. */
  headSha?: string;
  /** Default `open`; a closed one is listed for `state=closed` and `state=all` only. */
  state?: "open" | "closed";
  body?: string | null;
}

/** A submitted review, as `GET .../pulls/{number}/reviews` lists it. */
export interface FakeReview {
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  /** ISO 8601 or a Date; default the example's `2019-05-15T15:20:38Z`. */
  submittedAt?: string | Date;
  /** Default: a stable id per pull request and position. */
  id?: number;
  /** Default "". */
  body?: string;
}

/** A repository as the fake keeps it, every field settled. */
export interface StoredRepository {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch: string;
  archived: boolean;
}

type Json = Record<string, unknown>;

const API = "https://api.github.com";
const WEB = "https://github.com";
// Fields of the webhook's pull request that GitHub's pull request list (`pull-request-simple`)
// does not have: the list is cheaper than a full pull request and leaves them out.
const WEBHOOK_ONLY_PULL_FIELDS = [
  "merged",
  "mergeable",
  "rebaseable",
  "mergeable_state",
  "merged_by",
  "comments",
  "review_comments",
  "maintainer_can_modify",
  "commits",
  "additions",
  "deletions",
  "changed_files",
];

/** Stable ids per name, so the same login or team is the same id in every answer. */
const ids = new Map<string, number>();
function idFor(kind: string, name: string, base: number): number {
  const key = `${kind}:${name.toLowerCase()}`;
  let id = ids.get(key);
  if (id === undefined) {
    id = base + ids.size + 1;
    ids.set(key, id);
  }
  return id;
}

/** GitHub's legacy node ids: base64 of `0<type length>:<Type><id>`, e.g. `MDQ6VXNlcjE=` (`04:User1`). */
function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

/**
 * The example objects every answer is built from, read once: a list of 250 pull requests
 * builds a thousand users and repositories. Read-only; every builder returns new objects.
 */
let cachedTemplates: ReturnType<typeof readTemplates> | null = null;
function templates(): ReturnType<typeof readTemplates> {
  cachedTemplates ??= readTemplates();
  return cachedTemplates;
}
function readTemplates() {
  const pull = exampleOf("pull_request", "opened").pull_request;
  return {
    pull,
    user: pull.user,
    repository: pull.base.repo,
    installation: exampleOf("installation", "created").installation,
    review: exampleOf("pull_request_review", "submitted").review,
    label: exampleOf("label", "created").label,
    team: exampleOf("team", "created").team,
  };
}

/** `value` with every `from` in its strings replaced by `to` (URLs of the example's names). */
function rewritten<T>(value: T, replacements: readonly (readonly [string, string])[]): T {
  let text = JSON.stringify(value);
  for (const [from, to] of replacements) {
    text = text.split(from).join(JSON.stringify(to).slice(1, -1));
  }
  return JSON.parse(text) as T;
}

const iso = (value: string | Date): string =>
  typeof value === "string" ? value : value.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * A repository with defaults settled; `owner/name` or the fields given.
 *
 * @throws when the full name is not `owner/name`.
 * @example
 * storedRepository("Codertocat/Hello-World").defaultBranch // "main"
 */
export function storedRepository(input: FakeRepositoryInput): StoredRepository {
  const fields = typeof input === "string" ? { fullName: input } : input;
  const [owner, name, ...rest] = fields.fullName.split("/");
  if (!owner || !name || rest.length > 0) {
    throw new Error(`a fake repository is named "owner/name", not "${fields.fullName}"`);
  }
  return {
    id: fields.id ?? idFor("repository", fields.fullName, 186_000_000),
    owner,
    name,
    fullName: `${owner}/${name}`,
    private: fields.private ?? false,
    defaultBranch: fields.defaultBranch ?? "main",
    archived: fields.archived ?? false,
  };
}

/**
 * A `simple-user` for `login`, from the pull request example's author.
 *
 * @example
 * userObject({ login: "hubot" }).html_url // "https://github.com/hubot"
 */
export function userObject(params: { login: string; type?: "User" | "Organization" }): Json {
  const template = templates().user;
  const id = idFor("user", params.login, 21_000_000);
  return {
    ...rewritten(template, [["/Codertocat", `/${params.login}`]]),
    login: params.login,
    id,
    node_id: nodeId(params.type ?? "User", id),
    type: params.type ?? "User",
  };
}

/**
 * A `repository` as the REST API nests it (in a pull request's `base.repo`, and in
 * `GET /installation/repositories`), from the pull request example's base repository.
 *
 * @example
 * repositoryObject(storedRepository("octo-org/api")).full_name // "octo-org/api"
 */
export function repositoryObject(repository: StoredRepository): Json {
  const template = templates().repository;
  return {
    ...rewritten(template, [
      ["Codertocat/Hello-World", repository.fullName],
      ["/Codertocat", `/${repository.owner}`],
    ]),
    id: repository.id,
    node_id: nodeId("Repository", repository.id),
    name: repository.name,
    full_name: repository.fullName,
    owner: userObject({ login: repository.owner }),
    private: repository.private,
    visibility: repository.private ? "private" : "public",
    default_branch: repository.defaultBranch,
    archived: repository.archived,
  };
}

/**
 * An item of `GET /app/installations`, from the `installation.created` example's installation
 * (whose times are webhook numbers; the REST API writes ISO 8601).
 *
 * @example
 * installationObject({ installation: { id: 7, account: "octo-org" }, appId: 1 }).target_type // "Organization"
 */
export function installationObject(params: {
  installation: FakeInstallation;
  appId: number;
}): Json {
  const { installation, appId } = params;
  const template = templates().installation;
  const type = installation.accountType ?? "Organization";
  const account = userObject({ login: installation.account, type });
  const created = new Date(Number(template.created_at) * 1000).toISOString();
  return {
    id: installation.id,
    account,
    repository_selection: installation.repositorySelection ?? "all",
    access_tokens_url: `${API}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${API}/installation/repositories`,
    html_url:
      type === "Organization"
        ? `${WEB}/organizations/${installation.account}/settings/installations/${installation.id}`
        : `${WEB}/settings/installations/${installation.id}`,
    app_id: appId,
    app_slug: "github-activity-notifier",
    target_id: account.id,
    target_type: type,
    permissions: { ...template.permissions, pull_requests: "read", checks: "write" },
    events: template.events,
    created_at: created.replace(/\.\d{3}Z$/, "Z"),
    updated_at: created.replace(/\.\d{3}Z$/, "Z"),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: installation.suspendedAt ?? null,
  };
}

/**
 * An item of `GET /repos/{owner}/{repo}/pulls`, from the `pull_request.opened` example's pull
 * request: its user, label, team and repository objects rewritten for `pull`.
 *
 * @example
 * pullObject({ repository: storedRepository("o/r"), pull: { number: 7 } }).html_url // "https://github.com/o/r/pull/7"
 */
export function pullObject(params: { repository: StoredRepository; pull: FakePull }): Json {
  const { repository, pull } = params;
  const example = templates().pull;
  const template: Json = { ...example };
  for (const field of WEBHOOK_ONLY_PULL_FIELDS) delete template[field];
  const n = pull.number;
  const api = `${API}/repos/${repository.fullName}`;
  const id = repository.id * 1000 + n;
  const sha = pull.headSha ?? shaFor(`${repository.fullName}#${n}`);
  const repo = repositoryObject(repository);
  const owner = userObject({ login: repository.owner });
  const author = pull.author === undefined ? "Codertocat" : pull.author;
  const created = iso(pull.createdAt ?? example.created_at);
  const headRef = pull.headRef ?? `changes-${n}`;
  const baseRef = pull.baseRef ?? repository.defaultBranch;
  const links = {
    url: `${api}/pulls/${n}`,
    html_url: `${WEB}/${repository.fullName}/pull/${n}`,
    diff_url: `${WEB}/${repository.fullName}/pull/${n}.diff`,
    patch_url: `${WEB}/${repository.fullName}/pull/${n}.patch`,
    issue_url: `${api}/issues/${n}`,
    commits_url: `${api}/pulls/${n}/commits`,
    review_comments_url: `${api}/pulls/${n}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${n}/comments`,
    statuses_url: `${api}/statuses/${sha}`,
  };
  const closed = pull.state === "closed";
  return {
    ...template,
    ...links,
    id,
    node_id: nodeId("PullRequest", id),
    number: n,
    state: closed ? "closed" : "open",
    title: pull.title ?? `Pull request #${n}`,
    user: author === null ? null : userObject({ login: author }),
    body: pull.body === undefined ? example.body : pull.body,
    labels: (pull.labels ?? []).map((name) => labelObject({ repository, name })),
    created_at: created,
    updated_at: iso(pull.updatedAt ?? created),
    closed_at: closed ? iso(pull.updatedAt ?? created) : null,
    requested_reviewers: (pull.requestedReviewers ?? []).map((login) => userObject({ login })),
    requested_teams: (pull.requestedTeams ?? []).map((team) =>
      teamObject({ org: repository.owner, team: typeof team === "string" ? { slug: team } : team }),
    ),
    head: {
      label: `${repository.owner}:${headRef}`,
      ref: headRef,
      sha,
      user: owner,
      repo,
    },
    base: {
      label: `${repository.owner}:${baseRef}`,
      ref: baseRef,
      sha: example.base.sha,
      user: owner,
      repo,
    },
    _links: {
      self: { href: links.url },
      html: { href: links.html_url },
      issue: { href: links.issue_url },
      comments: { href: links.comments_url },
      review_comments: { href: links.review_comments_url },
      review_comment: { href: links.review_comment_url },
      commits: { href: links.commits_url },
      statuses: { href: links.statuses_url },
    },
    auto_merge: null,
    active_lock_reason: null,
    draft: pull.draft ?? false,
  };
}

/**
 * An item of `GET /repos/{owner}/{repo}/pulls/{number}/reviews`, from the
 * `pull_request_review.submitted` example's review (whose state the webhook writes lower case
 * and the REST API upper case).
 *
 * @example
 * reviewObject({ repository, pull, review: { user: "hubot", state: "APPROVED" }, position: 0 }).state // "APPROVED"
 */
export function reviewObject(params: {
  repository: StoredRepository;
  pull: FakePull;
  review: FakeReview;
  /** Its place in the pull request's reviews, for a stable default id. */
  position: number;
}): Json {
  const { repository, pull, review, position } = params;
  const template = templates().review;
  const id = review.id ?? (repository.id * 1000 + pull.number) * 100 + position + 1;
  const html = `${WEB}/${repository.fullName}/pull/${pull.number}#pullrequestreview-${id}`;
  const pullUrl = `${API}/repos/${repository.fullName}/pulls/${pull.number}`;
  return {
    ...template,
    id,
    node_id: nodeId("PullRequestReview", id),
    user: userObject({ login: review.user }),
    body: review.body ?? "",
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: iso(review.submittedAt ?? template.submitted_at ?? "2019-05-15T15:20:38Z"),
    commit_id: pull.headSha ?? shaFor(`${repository.fullName}#${pull.number}`),
  };
}

function labelObject(params: { repository: StoredRepository; name: string }): Json {
  const template = templates().label;
  const id = idFor("label", `${params.repository.fullName}:${params.name}`, 1_362_000_000);
  return {
    ...template,
    id,
    node_id: nodeId("Label", id),
    url: `${API}/repos/${params.repository.fullName}/labels/${encodeURIComponent(params.name)}`,
    name: params.name,
    description: null,
    default: false,
  };
}

function teamObject(params: { org: string; team: { slug: string; name?: string } }): Json {
  const template = templates().team;
  const id = idFor("team", `${params.org}/${params.team.slug}`, 3_253_000);
  return {
    ...rewritten(template, [
      ["/teams/3253328", `/teams/${id}`],
      ["/orgs/Octocoders/teams/github", `/orgs/${params.org}/teams/${params.team.slug}`],
    ]),
    id,
    node_id: nodeId("Team", id),
    slug: params.team.slug,
    name: params.team.name ?? params.team.slug,
    parent: null,
  };
}

/** A 40-hex sha of its own per pull request, stable across answers. */
function shaFor(seed: string): string {
  let hash = 2166136261;
  let out = "";
  for (let round = 0; out.length < 40; round += 1) {
    for (const char of `${seed}:${round}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
    out += (hash >>> 0).toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}
