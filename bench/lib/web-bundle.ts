// Gzip sizes of the built web app per route, from vite's manifest: a route costs its entry, its chunk and every
// chunk and stylesheet they import statically (dynamic imports of other pages are not counted).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
  src?: string;
}

export interface RouteSize {
  route: string;
  files: number;
  rawBytes: number;
  gzipBytes: number;
}

export function routeSizes(dist: string, routes: Record<string, string>): RouteSize[] {
  const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8")) as Record<string, ManifestChunk>;
  const entry = Object.entries(manifest).find(([, c]) => c.isEntry)?.[0];
  if (!entry) throw new Error("no entry in the vite manifest");
  const sizeOf = (file: string) => {
    const bytes = readFileSync(join(dist, file));
    return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  const closure = (keys: string[]): Set<string> => {
    const files = new Set<string>(["index.html"]);
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      const chunk = manifest[key];
      if (!chunk) throw new Error(`${key} is not in the vite manifest`);
      files.add(chunk.file);
      for (const css of chunk.css ?? []) files.add(css);
      for (const imported of chunk.imports ?? []) visit(imported);
    };
    for (const key of keys) visit(key);
    return files;
  };
  return Object.entries(routes).map(([route, page]) => {
    const files = closure(page ? [entry, page] : [entry]);
    let raw = 0;
    let gzip = 0;
    for (const file of files) {
      const size = sizeOf(file);
      raw += size.raw;
      gzip += size.gzip;
    }
    return { route, files: files.size, rawBytes: raw, gzipBytes: gzip };
  });
}
