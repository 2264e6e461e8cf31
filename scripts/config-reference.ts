/**
 * Generates docs/configuration.md, the field-by-field configuration reference, from the code so it
 * never drifts: structure, types and defaults come from the runtime zod schema (`configSchema`),
 * descriptions from the TSDoc on each field, read with the TypeScript compiler. zod keeps no
 * comments at runtime, so the two are walked side by side: the schema types mirror the runtime
 * definitions (`_zod.def.shape`, `.innerType`, `.element`, ...), and a shape's properties are the
 * very `z.object({...})` property declarations that carry the TSDoc.
 *
 * `npm run docs:config` rewrites the file; test/config/reference.test.ts fails when it is stale.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import type { z } from "zod";
import { SINKS } from "../alerts/index.js";
import { DETECTORS } from "../detectors/index.js";
import { secretSchema, secretUrlSchema } from "../src/actions/secret.js";
import { durationUnits, formatDuration, parseDuration } from "../src/config/duration.js";
import { configSchema } from "../src/config/schema.js";
import { detectorsOptionsSchema } from "../src/engine/engine.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REFERENCE_PATH = join(ROOT, "docs", "configuration.md");

/** Shared schemas whose structure (a union, a chain of transforms) says less than their name. */
const NAMED_TYPES = new Map<z.ZodType, string>([
  [secretSchema, "secret"],
  [secretUrlSchema, "secret URL"],
]);

/** The parts of zod's runtime definitions the walk reads; the TS-side walk follows the same names. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  entries?: Record<string, string>;
  values?: unknown[];
  checks?: Array<{ _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }>;
  format?: string;
}

const defOf = (schema: z.ZodType) => schema._zod.def as unknown as Def;

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable"]);

interface Row {
  path: string;
  type: string;
  default: string;
  doc: string;
}

interface Section {
  heading: string;
  level: number;
  intro: string;
  rows: Row[];
}

/** A registered component (detector, sink) whose options are one variant of a group. */
interface Variant {
  label: string;
  description: string;
  schema: z.ZodType;
  tsType: ts.Type;
  prefix: string;
}

class SchemaTypes {
  readonly #checker: ts.TypeChecker;

  constructor(checker: ts.TypeChecker) {
    this.#checker = checker;
  }

  property(type: ts.Type, name: string): ts.Symbol {
    const symbol = this.#checker.getPropertyOfType(type, name);
    if (!symbol) throw new Error(`no property "${name}" on ${this.#checker.typeToString(type)}`);
    return symbol;
  }

  typeOf(symbol: ts.Symbol): ts.Type {
    return this.#checker.getNonNullableType(this.#checker.getTypeOfSymbol(symbol));
  }

  /** Unwraps optional/default/prefault/nullable on both sides at once. */
  unwrap(schema: z.ZodType, schemaType: ts.Type): [z.ZodType, ts.Type] {
    let inner = schema;
    let innerType = schemaType;
    while (WRAPPERS.has(defOf(inner).type)) {
      innerType = this.def(innerType, "innerType");
      inner = defOf(inner).innerType as z.ZodType;
    }
    return [inner, innerType];
  }

  /** `schemaType._zod.def[key]`: the static twin of the runtime definition's field. */
  def(schemaType: ts.Type, key: string): ts.Type {
    const def = this.typeOf(this.property(this.typeOf(this.property(schemaType, "_zod")), "def"));
    return this.typeOf(this.property(def, key));
  }

  /** The TSDoc of a property as one paragraph. */
  doc(symbol: ts.Symbol): string {
    return ts.displayPartsToString(symbol.getDocumentationComment(this.#checker)).replace(/\s+/g, " ").trim();
  }
}

/** The declared type of an exported variable of a module in the program. */
function exportedType(program: ts.Program, file: string, name: string): ts.Type {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(ROOT, file));
  const module = source && checker.getSymbolAtLocation(source);
  const symbol = module && checker.getExportsOfModule(module).find((s) => s.name === name);
  if (!symbol) throw new Error(`${file} does not export ${name}`);
  return checker.getTypeOfSymbol(symbol);
}

/**
 * The static options schema type of each registered detector, by runtime options schema. The
 * registry is typed `DetectorDescriptor[]`, which erases them, so they are read off the entries of
 * its array literal, which list the detectors in the same order.
 */
function detectorOptionTypes(program: ts.Program, types: SchemaTypes): Map<z.ZodType, ts.Type> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(ROOT, "detectors/index.ts"));
  let elements: readonly ts.Expression[] = [];
  source?.forEachChild(function visit(node) {
    if (ts.isVariableDeclaration(node) && node.name.getText() === "DETECTORS") {
      if (node.initializer && ts.isArrayLiteralExpression(node.initializer))
        elements = node.initializer.elements;
    } else node.forEachChild(visit);
  });
  if (elements.length !== DETECTORS.length) throw new Error("cannot read the DETECTORS array literal");
  return new Map(
    DETECTORS.map((detector, i) => [
      detector.options,
      types.typeOf(types.property(checker.getTypeAtLocation(elements[i] as ts.Expression), "options")),
    ]),
  );
}

function unwrap(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (WRAPPERS.has(defOf(inner).type)) inner = defOf(inner).innerType as z.ZodType;
  return inner;
}

/** `path` is `base` or a field below it. */
const isUnder = (path: string, base: string) =>
  path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[]`);

function numberType(def: Def): string {
  let base = "number";
  const bounds: string[] = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === "number_format" && c.format === "safeint") base = "integer";
    if (c.check === "greater_than") bounds.push(`${c.inclusive ? "≥" : ">"} ${c.value}`);
    if (c.check === "less_than") bounds.push(`${c.inclusive ? "≤" : "<"} ${c.value}`);
  }
  return [base, ...bounds].join(", ");
}

const UNIT_NAMES = { ms: "ms", s: "seconds", m: "minutes", h: "hours", d: "days" } as const;

/** A short, human type: `integer, ≥ 1`, `` `a` | `b` ``, `list of string`, `duration`. */
function typeName(schema: z.ZodType): string {
  const named = NAMED_TYPES.get(schema);
  if (named) return named;
  const unit = durationUnits.get(schema);
  if (unit) return unit === "ms" ? "duration" : `duration (a number is in ${UNIT_NAMES[unit]})`;
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
      return typeName(def.innerType as z.ZodType);
    case "nullable":
      return `${typeName(def.innerType as z.ZodType)} or null`;
    case "string":
      return def.format === "url" ? "URL" : "string";
    case "number":
      return numberType(def);
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => `\`${v}\``)
        .join(" | ");
    case "literal":
      return (def.values ?? []).map((v) => `\`${String(v)}\``).join(" | ");
    case "array":
      return `list of ${typeName(def.element as z.ZodType)}`;
    case "record":
      return `map of ${typeName(def.valueType as z.ZodType)}`;
    case "union":
      return (def.options ?? []).map(typeName).join(" or ");
    // A preprocess is a pipe from a transform: what it accepts is what its output schema checks.
    case "pipe":
      return typeName((defOf(def.in as z.ZodType).type === "transform" ? def.out : def.in) as z.ZodType);
    default:
      return def.type;
  }
}

/** `required`, `-` (absent), empty for a section whose defaults are its fields', or the JSON default. */
function defaultOf(schema: z.ZodType): string {
  const result = schema.safeParse(undefined);
  if (!result.success) return "required";
  if (result.data === undefined) return "-";
  const isSection = defOf(unwrap(schema)).type === "object" && defOf(schema).type !== "default";
  if (isSection) return "";
  const unit = durationUnits.get(unwrap(schema));
  if (unit !== undefined && typeof result.data === "number")
    return `\`${formatDuration(result.data * (parseDuration(`1${unit}`) as number))}\``;
  return `\`${JSON.stringify(result.data)}\``;
}

class Reference {
  readonly sections: Section[] = [];
  readonly #types: SchemaTypes;
  readonly #detectorTypes: Map<z.ZodType, ts.Type>;

  constructor(types: SchemaTypes, detectorTypes: Map<z.ZodType, ts.Type>) {
    this.#types = types;
    this.#detectorTypes = detectorTypes;
  }

  /** Rows for the fields of an object schema, recursing into objects and lists of objects. */
  fields(object: z.ZodType, objectType: ts.Type, prefix: string, rows: Row[], skip?: string): void {
    const shapeType = this.#types.def(objectType, "shape");
    for (const [key, field] of Object.entries(defOf(object).shape ?? {})) {
      if (key === skip) continue;
      const symbol = this.#types.property(shapeType, key);
      const [inner, innerType] = this.#types.unwrap(field, this.#types.typeOf(symbol));
      const path = `${prefix}${key}`;
      const row = { path, type: typeName(field), default: defaultOf(field), doc: this.#types.doc(symbol) };
      const element = defOf(inner).type === "array" ? unwrap(defOf(inner).element as z.ZodType) : undefined;
      if (inner === detectorsOptionsSchema) {
        rows.push({
          ...row,
          path: `${path}.<name>`,
          type: "object",
          doc: `${row.doc} See [Detectors](#detectors).`,
        });
        this.#group("Detectors", "detector", `${path}.<name>.`, this.#detectors(path));
      } else if (defOf(inner).type === "object") {
        rows.push({ ...row, type: "object" });
        this.fields(inner, innerType, `${path}.`, rows);
      } else if (element && defOf(element).type === "object") {
        rows.push({ ...row, type: "list of objects" });
        this.fields(element, this.#types.def(innerType, "element"), `${path}[].`, rows);
      } else if (element && defOf(element).discriminator === "type") {
        rows.push({ ...row, type: "list of sinks", doc: `${row.doc} See [Sinks](#sinks).` });
        const variants = this.#sinks(element, this.#types.def(innerType, "element"), `${path}[].`);
        this.#group("Sinks", "sink", `${path}[].`, variants);
      } else rows.push(row);
    }
  }

  #detectors(path: string): Variant[] {
    return DETECTORS.map((d) => ({
      label: d.name,
      description: d.description,
      schema: d.options,
      tsType: this.#detectorTypes.get(d.options) as ts.Type,
      prefix: `${path}.${d.name}.`,
    }));
  }

  #sinks(union: z.ZodType, unionType: ts.Type, prefix: string): Variant[] {
    const options = this.#types.def(unionType, "options");
    return (defOf(union).options ?? []).map((schema, i) => {
      const sink = SINKS.find((s) => s.options === schema);
      if (!sink) throw new Error(`sink variant ${i} is not in the SINKS registry`);
      return {
        label: `type: ${sink.type}`,
        description: sink.description,
        schema,
        tsType: this.#types.typeOf(this.#types.property(options, String(i))),
        prefix,
      };
    });
  }

  /**
   * One table for the fields every variant shares (spread from one shape, so the same schema
   * instances), then one per variant with the rest.
   */
  #group(title: string, noun: string, sharedPrefix: string, variants: Variant[]): void {
    const first = variants[0] as Variant;
    const shapes = variants.map((v) => defOf(v.schema).shape ?? {});
    const common = Object.entries(shapes[0] ?? {})
      .filter(([key, schema]) => key !== "type" && shapes.every((shape) => shape[key] === schema))
      .map(([key]) => key);
    const commonRows: Row[] = [];
    this.fields(first.schema, first.tsType, sharedPrefix, commonRows);
    this.sections.push({
      heading: title,
      level: 3,
      intro: `Fields every ${noun} has:`,
      rows: commonRows.filter((row) => common.some((key) => isUnder(row.path, `${sharedPrefix}${key}`))),
    });
    for (const variant of variants) {
      const rows: Row[] = [];
      this.fields(variant.schema, variant.tsType, variant.prefix, rows, "type");
      const own = rows.filter((row) => !common.some((key) => isUnder(row.path, `${variant.prefix}${key}`)));
      const sentence = /[.!?]$/.test(variant.description) ? variant.description : `${variant.description}.`;
      this.sections.push({
        heading: `\`${variant.label}\``,
        level: 4,
        intro: own.length > 0 ? sentence : `${sentence} No fields besides those every ${noun} has.`,
        rows: own,
      });
    }
  }
}

const INTRO = `<!-- Generated by \`npm run docs:config\` (scripts/config-reference.ts) from the config schema and its TSDoc. Do not edit by hand. -->

# Configuration reference

Every field agentwatch accepts, with its type and default. The configuration is one YAML file
(\`agentwatch run -c agentwatch.yaml\`), validated once at startup: an unknown field or a wrong type
stops startup with the exact path of the problem. \`agentwatch config -c agentwatch.yaml\` prints
the effective configuration with every default filled in.

\`\`\`yaml
input:
  format: nginx
engine:
  risk:
    halfLifeMinutes: 60
actions:
  sinks:
    - { type: slack, name: oncall, url: env:SLACK_WEBHOOK_URL, minSeverity: high }
\`\`\`

- **Environment overrides**: \`AGENTWATCH_\` + the field's path in upper snake case with \`__\`
  between levels, e.g. \`AGENTWATCH_API__PORT=9090\`, \`AGENTWATCH_ENGINE__RISK__HALF_LIFE_MINUTES=60\`.
  Values are read as YAML scalars or flow collections (\`[a, b]\`).
- **Secrets** (type \`secret\`, \`secret URL\`) may be written inline, as \`env:NAME\` (read from the
  environment) or as \`file:/path\` (read from a file, trailing newline dropped). They never print.
- **Durations** (type \`duration\`) are a string such as \`500ms\`, \`30s\`, \`15m\`, \`24h\`,
  \`7d\`, or a plain number in the field's unit (milliseconds unless the type names another, as
  for the \`...Minutes\` fields). \`agentwatch config\` prints them as strings.
- **Defaults**: \`required\` means the field must be set when its section is; \`-\` means absent
  unless set; an empty default on an object means its fields' defaults apply.
`;

const cell = (text: string) => text.replace(/\|/g, "\\|");

function renderSection(section: Section): string {
  const lines = [`${"#".repeat(section.level)} ${section.heading}`, ""];
  if (section.intro) lines.push(section.intro, "");
  if (section.rows.length > 0) {
    lines.push("| field | type | default | description |", "|---|---|---|---|");
    for (const row of section.rows)
      lines.push(`| \`${row.path}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.doc)} |`);
    lines.push("");
  }
  return lines.join("\n");
}

/** The whole of docs/configuration.md. */
export function renderConfigReference(): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error("cannot read tsconfig.json");
  // The schema module alone pulls in every component it is composed of; the rest is not needed.
  const program = ts.createProgram({
    rootNames: [join(ROOT, "src/config/schema.ts")],
    options: parsed.options,
  });
  const types = new SchemaTypes(program.getTypeChecker());
  const rootType = exportedType(program, "src/config/schema.ts", "configSchema");
  const rootShape = types.def(rootType, "shape");
  const detectorTypes = detectorOptionTypes(program, types);
  const parts = [INTRO];
  for (const [key, field] of Object.entries(defOf(configSchema).shape ?? {})) {
    const symbol = types.property(rootShape, key);
    const reference = new Reference(types, detectorTypes);
    const section: Section = { heading: `\`${key}\``, level: 2, intro: types.doc(symbol), rows: [] };
    reference.fields(...types.unwrap(field, types.typeOf(symbol)), `${key}.`, section.rows);
    parts.push(renderSection(section), ...reference.sections.map(renderSection));
  }
  return `${parts.join("\n").trimEnd()}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(REFERENCE_PATH, renderConfigReference());
  console.log(`wrote ${REFERENCE_PATH}`);
}
