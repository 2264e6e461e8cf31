/** Route templates: which path segments are ids (and their object numbers), and query key extraction. */
import { describe, expect, it } from "vitest";
import {
  type PathTemplate,
  PLACEHOLDER,
  queryKeysOf,
  templatePath,
} from "../../src/normalize/route-template.js";
import { Rng } from "../../src/sim/rng.js";
import { buildSurface, endpointPath, formatObjectId, type IdStyle } from "../../src/sim/surface.js";

function template(path: string): PathTemplate {
  const out: PathTemplate = { template: "", queryKeys: [], objectId: undefined, objectNumber: undefined };
  templatePath(path, out);
  return out;
}

describe("templatePath", () => {
  // path -> [template, objectId]
  const table: [string, string, string | undefined][] = [
    ["/", "/", undefined],
    ["/customers", "/customers", undefined],
    ["/customers/1042", "/customers/{id}", "1042"],
    ["/customers/1042/orders/77", "/customers/{id}/orders/{id}", "77"],
    ["/Customers//1042/", "/customers/{id}", "1042"],
    [
      "/orders/6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f",
      "/orders/{uuid}",
      "6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f",
    ],
    [
      "/orders/6F1C2A3E-0B4D-4C5E-8F90-1A2B3C4D5E6F",
      "/orders/{uuid}",
      "6F1C2A3E-0B4D-4C5E-8F90-1A2B3C4D5E6F",
    ],
    [
      "/blobs/3f786850e387550fdab836ed7e6dc881de23001b",
      "/blobs/{hex}",
      "3f786850e387550fdab836ed7e6dc881de23001b",
    ],
    ["/objects/507f1f77bcf86cd799439011", "/objects/{hex}", "507f1f77bcf86cd799439011"],
    ["/accounts/4421-0099-1234/statements", "/accounts/{account}/statements", "4421-0099-1234"],
    ["/users/jane.doe+ci@example.co.uk/roles", "/users/{email}/roles", "jane.doe+ci@example.co.uk"],
    ["/users/jane.doe%40example.com", "/users/{email}", "jane.doe@example.com"],
    [
      "/.well-known/acme-challenge/FMuukC2JOJ5HKmLBujjE_BkDo",
      "/.well-known/acme-challenge/{token}",
      "FMuukC2JOJ5HKmLBujjE_BkDo",
    ],
    [
      "/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
      "/reset/{token}",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
    ],
    ["/files/%31%30%34%32", "/files/{id}", "1042"],
    ["/files/%E2%82%AC-rates", "/files/\u20ac-rates", undefined],
    ["/files/a%2Fb", "/files/a%2fb", undefined], // a decoded `/` would change the segment count
    ["/files/%zz", "/files/%zz", undefined], // malformed encoding stays as sent
    ["/files/%00", "/files/%00", undefined],
    ["http://api.example.com/Pets/12?x=1", "/pets/{id}", "12"],
    ["https://api.example.com", "/", undefined],
    ["*", "*", undefined],
    ["-", "-", undefined],
    ["/search?q=shoes#frag", "/search", undefined],
  ];
  for (const [path, expected, objectId] of table) {
    it(`${path} -> ${expected}`, () => {
      const out = template(path);
      expect(out.template).toBe(expected);
      expect(out.objectId).toBe(objectId);
    });
  }

  it("keeps words, slugs, versions, dates-as-words and camelCase names", () => {
    for (const path of [
      "/api/v2/listAllCustomerInvoices",
      "/blog/release-notes-2026-edition",
      "/static/jquery-3.6.0.min.js",
      "/authentication_settings",
      "/deadbeefcafebabe", // hex letters without digits: a word
      "/594VAEoi.save",
      "/admin/@types",
    ]) {
      expect(template(path).template, path).toBe(path.toLowerCase());
    }
  });

  // segment -> [placeholder, objectNumber]; the objectId is always the segment (or its stem).
  const ids: [string, string, number | undefined][] = [
    ["0042", "{id}", 42],
    ["inv-00148523", "{id}", 148523],
    ["ord_1042", "{id}", 1042],
    ["ord_42", "{id}", 42],
    ["customer-1042", "{id}", 1042],
    ["ACC-2024-000123", "{id}", 2024000123],
    ["INV-2024-0042", "{id}", 20240042],
    ["PROJ-7", "{id}", 7], // upper-case prefix: a Jira-style key even with one digit
    ["RX00012345", "{id}", 12345],
    ["AC00012345", "{id}", 12345],
    ["page1000", "{id}", 1000],
    ["10.0.0.1", "{id}", 10001],
    ["12345-67890", "{account}", 1234567890],
    ["4421-0099-1234", "{account}", 442100991234],
    ["4111-1111-1111-1111", "{account}", undefined], // 16 digits: not exact in a double
    ["cus_8f3k2jQ9aZ", "{token}", undefined],
    ["cus_8f3k2j", "{token}", undefined], // a short body, but random-looking
    ["pi_3MtwBwLkdIwHu7ix28a3tqPa", "{token}", undefined],
    ["usr_01HZX3T4K6M2Q8R9S0V5W7Y1ZA", "{token}", undefined],
    ["clm_aZkQpLmXcVbNtR", "{token}", undefined], // no digit, but cases mixed like random text
    ["tr_3xKq9ZpL", "{token}", undefined], // ends in a digit, yet random: no number
    ["01HZX3T4K6M2Q8R9S0V5W7Y1ZA", "{token}", undefined], // ULID
    ["k3j9x2m7q1z8w4v6", "{token}", undefined], // base36
    ["3yQk9LmZ", "{token}", undefined], // base62
    ["dQw4w9WgXcQ", "{token}", undefined],
    ["6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f", "{uuid}", undefined],
    // The documented cost of the rules: these words have an id's shape.
    ["covid-19", "{id}", 19],
    ["UTF-8", "{id}", 8],
    ["iso8601", "{id}", 8601],
  ];
  for (const [segment, placeholder, objectNumber] of ids) {
    it(`${segment} is an id: ${placeholder}, number ${objectNumber}`, () => {
      const out = template(`/api/v1/things/${segment}/lines`);
      expect(out.template).toBe(`/api/v1/things/${placeholder}/lines`);
      expect(out.objectId).toBe(segment);
      expect(out.objectNumber).toBe(objectNumber);
    });
  }

  it("keeps words and versioned words literal", () => {
    for (const segment of [
      "v1",
      "v2beta1",
      "v1alpha1",
      "V2",
      "api",
      "oauth2",
      "utf-8",
      "x86_64",
      "s3",
      "ipv6",
      "2fa",
      "report-q3", // one digit after a lower-case prefix: a label, like `page-2` and `ord_7`
      "page-2",
      "ord_7",
      "api-v2beta1",
      "hash-sha256",
      "sha256",
      "sha256sum",
      "base64url",
      "aarch64",
      "h264",
      "x509",
      "1080p",
      "i18n",
      "k8s",
      "get_Settings",
      "ERR_NOTFOUND",
      "DEADBEEFCAFEBABE", // hex letters without digits: a word
      ".well-known",
      "index.php",
      "openapi.json",
      "v1.json",
      "README.md",
      "jquery-3.6.0.min.js",
      "-12",
      "1..2",
    ]) {
      const out = template(`/x/${segment}/y`);
      expect(out.template, segment).toBe(`/x/${segment.toLowerCase()}/y`);
      expect(out.objectId, segment).toBeUndefined();
    }
  });

  it("templates the stem of a file name that is an id and keeps the extension", () => {
    expect(template("/invoices/INV-0042.PDF")).toEqual({
      template: "/invoices/{id}.pdf",
      queryKeys: [],
      objectId: "INV-0042",
      objectNumber: 42,
    });
    expect(template("/blobs/3f786850e387550fdab836ed7e6dc881de23001b.json").template).toBe(
      "/blobs/{hex}.json",
    );
    expect(template("/exports/12345.csv").objectNumber).toBe(12345);
    expect(template("/media/IMG_20240115_1234.mp4").template).toBe("/media/{id}.mp4");
  });

  it("reads prefixed numbers as a sequential run", () => {
    const numbers = ["inv-00148523", "inv-00148524", "inv-00148525"].map(
      (id) => template(`/api/v1/invoices/${id}/lines`).objectNumber,
    );
    expect(numbers).toEqual([148523, 148524, 148525]);
  });

  /** The placeholder each simulated id style must get. */
  const STYLE_PLACEHOLDER: Record<IdStyle, string> = {
    numeric: PLACEHOLDER.id,
    padded: PLACEHOLDER.id,
    uuid: PLACEHOLDER.uuid,
    opaque: PLACEHOLDER.token,
  };

  describe.each(["crm", "health", "fintech"])("the simulator's %s surface", (name) => {
    const surface = buildSurface(name, new Rng(7));
    const rng = new Rng(11);

    it("templates every id segment and no literal one", () => {
      let checked = 0;
      for (const endpoint of surface.endpoints) {
        const style = endpoint.resource?.idStyle ?? "numeric";
        const expected = endpoint.template.replace("{id}", STYLE_PLACEHOLDER[style]);
        // Sequential numbers from the first object, then random ones across the id space.
        const first = endpoint.resource?.firstId ?? 1;
        for (let k = 0; k < 600; k++) {
          const n = k < 100 ? first + k : rng.int(1, 9_999_999);
          const out = template(endpointPath(endpoint, n));
          expect(out.template, endpointPath(endpoint, n)).toBe(expected);
          if (!endpoint.template.includes("{id}")) {
            expect(out.objectId).toBeUndefined();
            break;
          }
          const id = endpoint.resource ? formatObjectId(endpoint.resource, n) : String(n);
          expect(out.objectId).toBe(id);
          expect(out.objectNumber).toBe(style === "numeric" || style === "padded" ? n : undefined);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10_000);
    });
  });

  it("sets objectNumber only for decimal ids that fit a double exactly", () => {
    expect(template("/c/1042").objectNumber).toBe(1042);
    expect(template("/c/007").objectNumber).toBe(7);
    expect(template("/c/123456789012345").objectNumber).toBe(123456789012345);
    expect(template("/c/1234567890123456").objectNumber).toBeUndefined();
    expect(template("/c/1234567890123456").objectId).toBe("1234567890123456");
    expect(template("/c/6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f").objectNumber).toBeUndefined();
    expect(template("/c/1042/x").objectNumber).toBe(1042);
    expect(template("/c/x").objectNumber).toBeUndefined();
  });

  it("is stable: the same endpoint with different ids gives one template", () => {
    const templates = new Set(
      ["/customers/1/orders?page=1", "/customers/99999/orders?page=2&size=3", "/CUSTOMERS/5/orders/"].map(
        (p) => template(p).template,
      ),
    );
    expect([...templates]).toEqual(["/customers/{id}/orders"]);
  });
});

describe("queryKeysOf", () => {
  it("sorts, de-duplicates, lower-cases and decodes keys, dropping values", () => {
    expect(queryKeysOf("b=2&a=1&b=3")).toEqual(["a", "b"]);
    expect(queryKeysOf("Page=1&page=2")).toEqual(["page"]);
    expect(queryKeysOf("first%20name=x&last+name=y&flag")).toEqual(["first name", "flag", "last name"]);
    expect(queryKeysOf("=x&&a=")).toEqual(["a"]);
    expect(queryKeysOf("")).toEqual([]);
    expect(queryKeysOf("%zz=1")).toEqual(["%zz"]);
  });

  it("bounds what a hostile query costs", () => {
    const many = Array.from({ length: 500 }, (_, i) => `k${i}=v`).join("&");
    expect(queryKeysOf(many)).toHaveLength(64);
    expect(queryKeysOf(`${"k".repeat(1000)}=v`)[0]).toHaveLength(128);
  });

  it("reads the query part of a path", () => {
    expect(template("/a?z=1&y=2#f=3").queryKeys).toEqual(["y", "z"]);
    expect(template("/a?").queryKeys).toEqual([]);
  });
});
