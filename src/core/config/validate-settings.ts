// Checks one layer of settings (persisted, overrides or an update) against the registry, then the
// merged values against the cross-key rules. Pure; the manager decides which error code wraps an issue.
import { nodeError, type ErrorCode, type NodeError } from "../shared/errors.ts";
import { isJsonObject } from "../shared/json.ts";
import { CONFIG_RELATIONS, configKeySpec, isImmutableKey, type ConfigKey, type ConfigKeySpec, type ConfigValues } from "./config-keys.ts";

export type SettingIssueReason =
  | "expected_object"
  | "unknown_key"
  | "immutable_key"
  | "wrong_type"
  | "below_minimum"
  | "above_maximum"
  | "not_in_enum"
  | "constraint_violated";

export type SettingIssue = {
  readonly reason: SettingIssueReason;
  readonly key: string | null;
  readonly message: string;
  readonly other?: string;
};

function typeIssue(spec: ConfigKeySpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "integer":
      return Number.isSafeInteger(value) ? undefined : "expected a safe integer";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "expected a finite number";
    case "string":
      return typeof value === "string" ? undefined : "expected a string";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected a boolean";
  }
}

/** The first problem with setting `key` to `value` in a non-default layer, or undefined. */
export function settingIssue(key: string, value: unknown): SettingIssue | undefined {
  const spec = configKeySpec(key);
  if (spec === undefined) return { reason: "unknown_key", key, message: `${key} is not a registered config key` };
  // architecture 01: node.* is immutable and never overridden, reloaded or stored.
  if (isImmutableKey(spec.key as ConfigKey)) return { reason: "immutable_key", key, message: `${key} is immutable` };
  const wrongType = typeIssue(spec, value);
  if (wrongType !== undefined) return { reason: "wrong_type", key, message: `${key}: ${wrongType}` };
  if (typeof value === "number") {
    if (spec.minimum !== undefined && value < spec.minimum)
      return { reason: "below_minimum", key, message: `${key} must be at least ${spec.minimum}` };
    if (spec.maximum !== undefined && value > spec.maximum)
      return { reason: "above_maximum", key, message: `${key} must be at most ${spec.maximum}` };
  }
  if (typeof value === "string" && spec.enum !== undefined && !spec.enum.includes(value)) {
    return { reason: "not_in_enum", key, message: `${key} must be one of ${spec.enum.join(", ")}` };
  }
  return undefined;
}

/** The first problem in a whole layer, keys in sorted order so the verdict is deterministic. */
export function layerIssue(layer: unknown): SettingIssue | undefined {
  if (!isJsonObject(layer)) return { reason: "expected_object", key: null, message: "settings must be a plain object" };
  for (const key of Object.keys(layer).sort()) {
    const issue = settingIssue(key, layer[key]);
    if (issue !== undefined) return issue;
  }
  return undefined;
}

/** architecture 10: "min<=max; bad -> startup failure", checked on the merged values. */
export function relationIssue(values: ConfigValues): SettingIssue | undefined {
  for (const { lesser, greater } of CONFIG_RELATIONS) {
    if (values[lesser] > values[greater]) {
      return { reason: "constraint_violated", key: lesser, other: greater, message: `${lesser} must not exceed ${greater}` };
    }
  }
  return undefined;
}

export function issueError(code: ErrorCode, issue: SettingIssue): NodeError {
  const data =
    issue.other === undefined ? { reason: issue.reason, key: issue.key } : { reason: issue.reason, key: issue.key, other: issue.other };
  return nodeError(code, issue.message, data);
}
