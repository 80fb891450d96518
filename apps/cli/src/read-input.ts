import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { TunelabError } from "@tunelab/core";

/** Checks a data file given on the command line, with an error that names it; it is then read line by line. */
export function readDataFile(file: string): { path: string; fileName: string } {
  if (!existsSync(file)) throw new TunelabError("invalid_argument", `file not found: ${file}`);
  if (!statSync(file).isFile()) throw new TunelabError("invalid_argument", `not a file: ${file}`);
  return { path: file, fileName: basename(file) };
}
