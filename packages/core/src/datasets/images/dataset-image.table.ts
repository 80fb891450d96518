import type { Selectable } from "kysely";

/** An http(s) image of a dataset version, fetched once at import: its URL and the blob holding its bytes. */
export interface DatasetImageTable {
  version_id: string;
  /** The URL as the version's JSONL holds it (the canonical file keeps the user's URLs). */
  url: string;
  /** sha256 of the bytes: the blob's name. */
  content_hash: string;
  mime_type: string;
  byte_size: number;
}
export type DatasetImageRow = Selectable<DatasetImageTable>;
