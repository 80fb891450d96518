import { IssueSink, type ValidationReport } from "@tunelab/formats";
import type { Blobs } from "@tunelab/storage";
import type { FetchImageOptions } from "./fetch-image.ts";
import { fetchImages, type ImageFailure, type StoredImage } from "./fetch-images.ts";
import type { RemoteImageRef } from "./image-refs.ts";

export type ImportedImages = { ok: true; images: StoredImage[]; undo(): Promise<void> } | { ok: false; report: ValidationReport };

/**
 * The http(s) images of a valid file, fetched and stored before its version is written (each URL once). When any cannot be fetched
 * (offline, 404, not an image, too large, too slow) nothing is stored and the report gains one `invalid_image` error
 * per failing image, naming its line, field and URL, so the import is refused as for any other invalid line.
 */
export async function importImages(
  blobs: Blobs,
  refs: readonly RemoteImageRef[],
  report: ValidationReport,
  options: FetchImageOptions = {},
  /** Images fetched already (by a test split, for the rest of its file): not fetched again. */
  known?: ReadonlyMap<string, StoredImage>,
): Promise<ImportedImages> {
  const stored = known ? refs.flatMap((ref) => known.get(ref.url) ?? []) : [];
  const missing = known ? refs.filter((ref) => !known.has(ref.url)) : refs;
  if (missing.length === 0) return { ok: true, images: stored, undo: async () => undefined };
  const fetched = await fetchImages(blobs, missing, options);
  if (fetched.ok && stored.length > 0) return { ...fetched, images: [...stored, ...fetched.images] };
  if (fetched.ok) return fetched;
  return { ok: false, report: withFailures(report, fetched.failures) };
}

function withFailures(report: ValidationReport, failures: readonly ImageFailure[]): ValidationReport {
  const sink = new IssueSink();
  for (const { line, path, url, reason } of failures) {
    sink.error("invalid_image", `could not fetch the image at ${url}: ${reason} (http(s) images are fetched once, at import)`, {
      line,
      path,
    });
  }
  const counts = { ...report.issueCounts };
  counts.invalid_image = (counts.invalid_image ?? 0) + sink.errorCount;
  return {
    ...report,
    issues: [...report.issues, ...sink.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    issueCounts: counts,
    errors: report.errors + sink.errorCount,
  };
}
