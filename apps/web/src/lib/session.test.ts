// Where the login page sends the browser after signing in (`/login?next=…`): only a path on this site, checked as the
// browser will read it (browsers drop tabs and newlines, resolve dot segments, read `\` as `/`).
import { describe, expect, it } from "vitest";
import { safeNext } from "./session.ts";

describe("safeNext", () => {
  it("keeps the app's own paths, with their query and fragment", () => {
    expect(safeNext("/projects/ticket-router/experiments?sort=name")).toBe("/projects/ticket-router/experiments?sort=name");
    expect(safeNext("/eval-runs/run_1#samples")).toBe("/eval-runs/run_1#samples");
    expect(safeNext("/projects/été")).toBe("/projects/%C3%A9t%C3%A9");
  });

  it("refuses other origins, however written", () => {
    for (const next of ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example", ""]) {
      expect(safeNext(next), next).toBe("/");
    }
    expect(safeNext(null)).toBe("/");
    expect(safeNext(undefined)).toBe("/");
  });

  it("refuses control characters and whitespace, which a browser strips into //evil.example", () => {
    for (const next of [
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      "/\t\t/evil.example/path",
      "/\\\tevil.example",
      "/ /evil.example",
      "/\u2028/evil.example",
      "/\u007f/evil.example",
      "/\u0085/evil.example",
      "/ok\r\nSet-Cookie: x=1",
    ]) {
      expect(safeNext(next), JSON.stringify(next)).toBe("/");
    }
  });

  it("refuses dot segments that resolve to another origin, and the login page itself", () => {
    expect(safeNext("/.//evil.example")).toBe("/");
    expect(safeNext("/x/..//evil.example")).toBe("/");
    expect(safeNext("/login")).toBe("/");
    expect(safeNext("/login?next=/projects")).toBe("/");
  });
});
