/**
 * Global template table: each distinct route template gets a small integer once, so per-agent
 * structures store ints in typed arrays and compare them without touching strings. The table is
 * bounded; past the bound every new template shares id 0 ("(other)") rather than growing memory.
 */
export const OTHER_TEMPLATE_ID = 0;

export class TemplateInterner {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = ["(other)"];

  constructor(private readonly capacity: number) {}

  /** Id of `template`, assigning one when there is room. */
  id(template: string): number {
    const known = this.ids.get(template);
    if (known !== undefined) return known;
    if (this.names.length >= this.capacity) return OTHER_TEMPLATE_ID;
    const id = this.names.length;
    this.names.push(template);
    this.ids.set(template, id);
    return id;
  }

  name(id: number): string {
    return this.names[id] ?? "(other)";
  }

  get size(): number {
    return this.names.length;
  }
}
