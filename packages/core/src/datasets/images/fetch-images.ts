import type { Blobs } from "@tunelab/storage";
import { type FetchImageOptions, fetchImage } from "./fetch-image.ts";
import type { RemoteImageRef } from "./image-refs.ts";

/** An http(s) image of a version, stored in the blob store under the hash of its bytes. */
export interface StoredImage {
  url: string;
  contentHash: string;
  mimeType: string;
  byteSize: number;
}

export interface ImageFailure extends RemoteImageRef {
  reason: string;
}

export type FetchedImages =
  | { ok: true; images: StoredImage[] /** Removes the blobs this fetch created (when the version is not stored). */; undo(): Promise<void> }
  | { ok: false; failures: ImageFailure[] };

const CONCURRENCY = 4;

/**
 * Fetches each image once (a few at a time) and stores its bytes content-addressed. Any failure stores nothing:
 * the blobs already written by this call are removed and every failure is returned with its line and field.
 */
export async function fetchImages(blobs: Blobs, refs: readonly RemoteImageRef[], options: FetchImageOptions = {}): Promise<FetchedImages> {
  const images: StoredImage[] = [];
  const failures: ImageFailure[] = [];
  const created: string[] = [];
  let next = 0;
  const work = async () => {
    for (let i = next++; i < refs.length; i = next++) {
      const ref = refs[i] as RemoteImageRef;
      const fetched = await fetchImage(ref.url, options);
      if (!fetched.ok) {
        failures.push({ ...ref, reason: fetched.reason });
        continue;
      }
      if (failures.length > 0) continue;
      const blob = await blobs.put(fetched.bytes);
      if (blob.created) created.push(blob.hash);
      images.push({ url: ref.url, contentHash: blob.hash, mimeType: fetched.mimeType, byteSize: fetched.bytes.byteLength });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, refs.length) }, work));
  const undo = async () => {
    for (const hash of created) await blobs.remove(hash);
  };
  if (failures.length > 0) {
    await undo();
    return { ok: false, failures: failures.sort((a, b) => a.line - b.line || a.path.localeCompare(b.path)) };
  }
  return { ok: true, images: images.sort((a, b) => a.url.localeCompare(b.url)), undo };
}
