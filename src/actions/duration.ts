/**
 * Durations in the action layer's config: milliseconds, or a string such as `250ms`, `30s`,
 * `15m`, `1h`, `7d` (the convention of src/config/duration.ts). The rest of the action layer only
 * ever sees milliseconds.
 */
import { duration } from "../config/duration.js";

export const durationSchema = duration("ms");
