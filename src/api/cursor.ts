/**
 * Opaque pagination cursors: base64url JSON of a position, validated with a zod schema on the way
 * back in so a forged or truncated cursor is a clean 400, never an exception deeper down.
 */
import type { z } from "zod";
import { ApiError } from "./errors.js";

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, "INVALID_REQUEST", "cursor is malformed");
  return parsed.data;
}
