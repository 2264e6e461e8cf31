/**
 * Checks that every input file can be read before any of them is: a typo in the last of five
 * file names then stops a replay at once, with one message naming every bad file, instead of
 * after the first four were processed and their alerts written.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { AgentwatchError } from "../errors.js";

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  ENOTDIR: "a parent is not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

/** Why `path` cannot be read, or undefined when it can. */
async function problemWith(path: string): Promise<string | undefined> {
  try {
    if ((await stat(path)).isDirectory()) return "is a directory";
    await access(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    return REASONS[code] ?? (code || (error as Error).message);
  }
}

/** Throws INPUT_UNREADABLE naming each input (other than `-`, stdin) that cannot be read. */
export async function assertReadable(inputs: readonly string[]): Promise<void> {
  const files = [...new Set(inputs)].filter((input) => input !== "-");
  const problems = await Promise.all(files.map(problemWith));
  const unreadable = files.flatMap((file, i) => (problems[i] ? [`${file} (${problems[i]})`] : []));
  if (unreadable.length > 0) throw new AgentwatchError("INPUT_UNREADABLE", unreadable.join(", "));
}
