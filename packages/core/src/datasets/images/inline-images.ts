import type { Workspace } from "../../storage/workspace.ts";
import { listVersionImages } from "./dataset-image.repository.ts";
import { rewriteImageUrls } from "./image-refs.ts";

const HTTP_VALUE = /"https?:\/\//i;

/**
 * A version's JSONL with its http(s) images replaced by `data:` URLs of the bytes fetched at import (the local engine
 * reads no other images, and nothing is fetched again). Lines without such images are kept byte for byte; a version
 * without http(s) images is returned as it is.
 */
export async function inlineVersionImages(ws: Workspace, versionId: string, text: string): Promise<string> {
  const images = new Map((await listVersionImages(ws.db, versionId)).map((i) => [i.url, i]));
  if (images.size === 0) return text;
  const dataUrls = new Map<string, string>();
  // every image of the version is in its lines: its bytes are read (or downloaded) first, each once
  for (const [url, image] of images) {
    dataUrls.set(url, `data:${image.mimeType};base64,${(await ws.blobs.read(image.contentHash)).toString("base64")}`);
  }
  const dataUrlOf = (url: string) => dataUrls.get(url);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.includes('"image_url"') || !HTTP_VALUE.test(line)) continue;
    const value = JSON.parse(line) as Record<string, unknown>;
    if (rewriteImageUrls(value, dataUrlOf)) lines[i] = JSON.stringify(value);
  }
  return lines.join("\n");
}
