/**
 * The detector registry: every built-in detector, one line each. Adding a detector means adding
 * its file and a line here; config keys, the options schema and the contract tests follow.
 */
import type { DetectorDescriptor } from "../src/engine/types.js";
import { credentialMisuse } from "./credential-misuse.js";
import { dataVolume } from "./data-volume.js";
import { destructiveBurst } from "./destructive-burst.js";
import { enumeration } from "./enumeration.js";
import { injection } from "./injection.js";
import { newEndpoint } from "./new-endpoint.js";
import { payloadSize } from "./payload-size.js";
import { probing } from "./probing.js";
import { rareTransition } from "./rare-transition.js";
import { rateSpike } from "./rate-spike.js";
import { recordHarvest } from "./record-harvest.js";
import { rules } from "./rules.js";

export const DETECTORS: readonly DetectorDescriptor[] = [
  newEndpoint,
  rareTransition,
  payloadSize,
  rateSpike,
  enumeration,
  probing,
  injection,
  credentialMisuse,
  dataVolume,
  destructiveBurst,
  recordHarvest,
  rules,
];
