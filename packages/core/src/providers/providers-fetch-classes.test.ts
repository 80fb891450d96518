// With the embedded engine wired in, Providers loads fetch's classes (Node compiles its bundled undici on their first
// use: one long synchronous turn) when it is created, with the runtime, not in the middle of the first eval run.
// Checked in a fresh process, where nothing has used them yet.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const PROVIDERS = fileURLToPath(new URL("./providers.ts", import.meta.url));
const UNDICI = "NativeModule internal/deps/undici/undici";

it("loads fetch's classes when created with the embedded engine's fetch, not without it", () => {
  const script = `
    const { Providers } = await import(${JSON.stringify(PROVIDERS)});
    const loaded = () => process.moduleLoadList.includes(${JSON.stringify(UNDICI)});
    const before = loaded();
    new Providers({ config: { providers: {} } });
    const withoutEngine = loaded();
    new Providers({ config: { providers: {} }, localFetch: () => { throw new Error("unused"); } });
    console.log(JSON.stringify({ before, withoutEngine, withEngine: loaded() }));
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  expect(child.stderr).toBe("");
  expect(JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "")).toEqual({ before: false, withoutEngine: false, withEngine: true });
});
