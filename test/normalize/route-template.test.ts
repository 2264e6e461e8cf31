import { describe, expect, it } from "vitest";
import { type PathTemplate, queryKeysOf, templatePath } from "../../src/normalize/route-template.js";

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
