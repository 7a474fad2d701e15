// Types for scripts/check-node.mjs, which stays plain JavaScript so any Node can run it first.
export declare function nodeVersionProblem(params: {
  version: string;
  range: string;
}): string | null;
export declare function requiredNodeRange(): string;
export declare function exitUnlessSupportedNode(): void;
