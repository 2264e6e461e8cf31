/**
 * Parsers for command-line values. A value they refuse becomes commander's InvalidArgumentError,
 * which the entry point reports as INVALID_ARGUMENT (exit 2), naming the flag.
 */
import { InvalidArgumentError } from "commander";

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive number");
  return parsed;
}

export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number");
  return parsed;
}
