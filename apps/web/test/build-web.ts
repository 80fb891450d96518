import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const WEB_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Builds the web app with its vite config into a fresh temp directory (the checked-out dist/ is left alone). */
export async function buildWeb(
  outDir = mkdtempSync(join(tmpdir(), "tunelab-web-dist-")),
  options: { manifest?: boolean } = {},
): Promise<string> {
  await build({
    root: WEB_ROOT,
    configFile: join(WEB_ROOT, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, manifest: options.manifest ?? false },
  });
  return outDir;
}
