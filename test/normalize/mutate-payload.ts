/**
 * Real example payloads broken at random: fields deleted, nulled, or replaced with hostile text,
 * huge strings and values of the wrong type. Biased towards the fields normalise reads.
 */
import fc from "fast-check";
import { hostileText } from "../format/hostile-text.js";
import { exampleCases, type ExampleCase } from "./notified-examples.js";

/** Fields the normalisers read, so that most mutations hit something that matters. */
const READ_PATHS = [
  "action",
  "repository",
  "repository.full_name",
  "repository.name",
  "repository.owner",
  "repository.owner.login",
  "repository.html_url",
  "repository.private",
  "repository.stargazers_count",
  "repository.default_branch",
  "sender",
  "sender.login",
  "sender.type",
  "sender.html_url",
  "issue",
  "issue.title",
  "issue.body",
  "issue.number",
  "issue.html_url",
  "issue.labels",
  "issue.labels.0",
  "issue.labels.0.name",
  "issue.state_reason",
  "issue.state",
  "issue.user",
  "issue.user.login",
  "issue.assignees",
  "issue.assignees.0",
  "issue.assignees.0.login",
  "label",
  "label.name",
  "assignee",
  "assignee.login",
  "pull_request",
  "pull_request.title",
  "pull_request.body",
  "pull_request.number",
  "pull_request.html_url",
  "pull_request.merged",
  "pull_request.draft",
  "pull_request.labels",
  "pull_request.head",
  "pull_request.head.ref",
  "pull_request.base.ref",
  "pull_request.state",
  "pull_request.merged_at",
  "pull_request.user",
  "pull_request.user.login",
  "pull_request.assignees",
  "pull_request.assignees.0.login",
  "pull_request.requested_reviewers",
  "pull_request.requested_reviewers.0",
  "pull_request.requested_reviewers.0.login",
  "pull_request.requested_teams",
  "requested_team.name",
  "requested_reviewer",
  "requested_reviewer.login",
  "requested_team",
  "review",
  "review.state",
  "review.body",
  "review.html_url",
  "release",
  "release.name",
  "release.tag_name",
  "release.body",
  "release.html_url",
  "release.prerelease",
  "forkee",
  "forkee.full_name",
  "forkee.html_url",
  "forkee.owner.login",
  "workflow_run",
  "workflow_run.status",
  "workflow_run.conclusion",
  "workflow_run.name",
  "workflow_run.workflow_id",
  "workflow_run.run_number",
  "workflow_run.head_branch",
  "workflow_run.head_sha",
  "workflow_run.html_url",
  "workflow_run.pull_requests",
  "workflow_run.pull_requests.0",
  "workflow_run.pull_requests.0.number",
  "workflow.name",
  "check_suite",
  "check_suite.conclusion",
  "check_suite.app",
  "check_suite.app.slug",
  "check_suite.app.name",
  "check_suite.head_branch",
  "check_suite.head_sha",
  "check_suite.pull_requests",
  "check_suite.pull_requests.0.number",
  "deployment_status",
  "deployment_status.state",
  "deployment_status.target_url",
  "deployment_status.environment_url",
  "deployment_status.description",
  "deployment",
  "deployment.environment",
  "comment",
  "comment.body",
  "comment.html_url",
  "comment.path",
  "issue.pull_request",
  "issue.pull_request.merged_at",
  "issue.draft",
  "discussion",
  "discussion.title",
  "discussion.number",
  "discussion.body",
  "discussion.html_url",
  "discussion.category",
  "discussion.category.name",
  "answer",
  "answer.body",
  "answer.html_url",
  "answer.user.login",
  "ref",
  "deleted",
  "forced",
  "after",
  "compare",
  "pusher",
  "pusher.name",
  "commits",
  "commits.0",
  "commits.0.id",
  "commits.0.message",
  "commits.0.url",
  "alert",
  "alert.number",
  "alert.html_url",
  "alert.security_advisory",
  "alert.security_advisory.summary",
  "alert.security_advisory.severity",
  "alert.security_vulnerability.severity",
  "alert.dependency",
  "alert.dependency.package",
  "alert.dependency.package.name",
  "alert.dependency.manifest_path",
  "alert.rule",
  "alert.rule.id",
  "alert.rule.severity",
  "alert.rule.security_severity_level",
  "alert.rule.description",
  "alert.tool.name",
  "alert.secret_type",
  "alert.secret_type_display_name",
];

type Change = { op: "delete" } | { op: "set"; value: unknown };

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileText, weight: 6 },
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()), weight: 2 },
  { arbitrary: fc.constantFrom([], {}, [null], ["<!here>"], [{ name: "<!here>" }]), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
);

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.constant<Change>({ op: "delete" }),
  wrongValue.map<Change>((value) => ({ op: "set", value })),
);

/** A mutated copy of an example and what was done to it, for readable counterexamples. */
export interface MutatedExample {
  source: ExampleCase;
  changes: string[];
  payload: unknown;
}

/**
 * An example payload of a covered event with up to `maxChanges` random fields broken.
 *
 * @example
 * fc.assert(fc.property(mutatedExample(), ({ source, payload }) => ...))
 */
export function mutatedExample(maxChanges = 6): fc.Arbitrary<MutatedExample> {
  const cases = exampleCases();
  const target = fc.oneof(
    { arbitrary: fc.constantFrom(...READ_PATHS), weight: 3 },
    { arbitrary: fc.nat(), weight: 1 },
  );
  return fc
    .tuple(fc.constantFrom(...cases), fc.array(fc.tuple(target, change), { maxLength: maxChanges }))
    .map(([source, mutations]) => {
      const payload: unknown = structuredClone(source.payload);
      const changes = mutations.flatMap(([where, what]) => {
        const path = typeof where === "string" ? where : pickPath(payload, where);
        return path !== null && apply(payload, path, what) ? [`${what.op} ${path}`] : [];
      });
      return { source, changes, payload };
    });
}

/** Every path in `value`, of objects and arrays, to a modest depth; `index` picks one. */
function pickPath(value: unknown, index: number): string | null {
  const paths: string[] = [];
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (depth > 4 || typeof node !== "object" || node === null) return;
    for (const key of Object.keys(node)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      paths.push(path);
      walk((node as Record<string, unknown>)[key], path, depth + 1);
    }
  };
  walk(value, "", 0);
  return paths.length === 0 ? null : (paths[index % paths.length] ?? null);
}

/** Apply `what` at `path` when its parent exists; whether anything changed. */
function apply(root: unknown, path: string, what: Change): boolean {
  const keys = path.split(".");
  const last = keys.pop();
  let parent: unknown = root;
  for (const key of keys) {
    if (typeof parent !== "object" || parent === null) return false;
    parent = (parent as Record<string, unknown>)[key];
  }
  if (last === undefined || typeof parent !== "object" || parent === null) return false;
  const record = parent as Record<string, unknown>;
  if (what.op === "delete") delete record[last];
  else record[last] = structuredClone(what.value);
  return true;
}
