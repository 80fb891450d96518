/** Types of build.mjs (plain JavaScript, so that the bin can rebuild the CLI without a TypeScript loader). */

/** A build of the CLI: its id, the directory it was written to, when it was made and the files it was made from. */
export interface CliBuild {
  id: string;
  dir: string;
  builtAtMs: number;
  inputs: string[];
}

/** Worker threads' entries: the compiled `<name>.js` file's name and the source it is built from. */
export const WORKER_ENTRIES: Record<string, string>;

export function readCurrent(): CliBuild | undefined;

export function staleReason(current?: Pick<CliBuild, "inputs" | "builtAtMs"> | null): string | undefined;

export function buildCli(options?: { quiet?: boolean }): Promise<Pick<CliBuild, "id" | "dir">>;

/** The current build when it is fresh, else a new one (waiting for another process's build when one is under way). */
export function ensureBuilt(options?: { quiet?: boolean }): Promise<Pick<CliBuild, "id" | "dir">>;
