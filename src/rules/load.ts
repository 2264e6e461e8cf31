/**
 * Reads rule files and directories into validated rules, loudly: a problem names its file, line
 * and field (`rules/local.yaml:14: rules[2].match.path.regex[0]: invalid regular expression ...`),
 * every problem of every file at once, as config validation does. Files are read once per change
 * (cached by path, size and modification time), so validating the config and building engines
 * from it does not read and parse them again.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isNode, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { AgentwatchError } from "../errors.js";
import { type Rule, ruleFileSchema } from "./schema.js";

/** A rule with the file it came from. */
export interface LoadedRule extends Rule {
  readonly pack: string;
  readonly file: string;
  readonly line: number;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  rules: readonly LoadedRule[] | undefined;
  problems: readonly string[];
}

const cache = new Map<string, CachedFile>();

/** The packs shipped with agentwatch (`rules/` at the package root, from src/ or dist/src/). */
export function shippedRulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    try {
      if (statSync(join(dir, "rules", "README.md")).isFile()) return join(dir, "rules");
    } catch {
      // not this level
    }
  }
  throw new AgentwatchError(
    "INVALID_CONFIG",
    "the shipped rules/ directory is missing from the installation",
  );
}

/** The rule files a path names: the file itself, or the `.yaml`/`.yml` files directly in a directory, sorted. */
export function ruleFilesOf(path: string): string[] {
  const full = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(full).isDirectory();
  } catch (error) {
    throw new AgentwatchError("INVALID_CONFIG", `rules: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!isDirectory) return [full];
  return readdirSync(full)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(full, name));
}

/** Walks `path` down the YAML document as far as it exists, and returns the line of that node. */
function lineOf(
  root: Node | null,
  path: readonly PropertyKey[],
  keys: readonly string[],
  lines: LineCounter,
): number {
  let node: unknown = root;
  for (const segment of path) {
    const next =
      isMap(node) || (isNode(node) && "items" in node)
        ? (node as { get(key: unknown, keepScalar: true): unknown }).get(segment, true)
        : undefined;
    if (!isNode(next)) break;
    node = next;
  }
  // An unknown key: point at the key itself.
  if (keys.length > 0 && isMap(node)) {
    const pair = node.items.find(
      (item) => isNode(item.key) && String((item.key as { value?: unknown }).value) === keys[0],
    );
    if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
  }
  const range = isNode(node) ? node.range : undefined;
  return range ? lines.linePos(range[0]).line : 1;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path)
    out += typeof segment === "number" ? `[${segment}]` : `${out ? "." : ""}${String(segment)}`;
  return out || "(top level)";
}

function describeIssues(file: string, error: z.ZodError, root: Node | null, lines: LineCounter): string[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const line = lineOf(root, issue.path, keys, lines);
    const where = keys.length > 0 ? fieldPath([...issue.path, keys[0] as string]) : fieldPath(issue.path);
    return `${file}:${line}: ${where}: ${issue.message}`;
  });
}

function readRuleFile(file: string): CachedFile {
  const stat = statSync(file);
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines, uniqueKeys: true });
  let entry: CachedFile;
  if (doc.errors.length > 0) {
    entry = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      rules: undefined,
      problems: doc.errors.map(
        (e) => `${file}:${e.linePos?.[0].line ?? 1}: not valid YAML: ${e.message.split("\n")[0]}`,
      ),
    };
  } else {
    const result = ruleFileSchema.safeParse(doc.toJS());
    const root = doc.contents as Node | null;
    entry = result.success
      ? {
          mtimeMs: stat.mtimeMs,
          size: stat.size,
          problems: [],
          rules: result.data.rules.map((rule, i) => ({
            ...rule,
            pack: result.data.pack,
            file,
            line: lineOf(root, ["rules", i], [], lines),
          })),
        }
      : {
          mtimeMs: stat.mtimeMs,
          size: stat.size,
          rules: undefined,
          problems: describeIssues(file, result.error, root, lines),
        };
  }
  cache.set(file, entry);
  return entry;
}

/**
 * Reads every rule file `paths` name (files or directories), in order, and returns their enabled
 * rules minus the `disabled` ids. Throws INVALID_CONFIG listing every problem: unreadable or
 * invalid files, duplicate rule ids, disabled ids that no rule has.
 */
export function loadRules(paths: readonly string[], disabled: readonly string[] = []): LoadedRule[] {
  const problems: string[] = [];
  const rules: LoadedRule[] = [];
  const seen = new Map<string, LoadedRule>();
  for (const path of paths) {
    let files: string[];
    try {
      files = ruleFilesOf(path);
    } catch (error) {
      problems.push((error as Error).message.replace(/^rules: /, ""));
      continue;
    }
    for (const file of files) {
      let entry: CachedFile;
      try {
        entry = readRuleFile(file);
      } catch (error) {
        problems.push(`cannot read ${file}: ${(error as Error).message}`);
        continue;
      }
      problems.push(...entry.problems);
      for (const rule of entry.rules ?? []) {
        const first = seen.get(rule.id);
        if (first) {
          problems.push(
            `${rule.file}:${rule.line}: rule id ${rule.id} is already used at ${first.file}:${first.line}`,
          );
          continue;
        }
        seen.set(rule.id, rule);
        rules.push(rule);
      }
    }
  }
  for (const id of disabled) {
    if (!seen.has(id)) problems.push(`disabled rule ${id} is not defined by any loaded rule file`);
  }
  if (problems.length > 0) {
    throw new AgentwatchError("INVALID_CONFIG", `rules:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  const off = new Set(disabled);
  return rules.filter((rule) => rule.enabled && !off.has(rule.id));
}
