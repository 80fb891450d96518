import { accessSync, constants, type Stats, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { TunelabError } from "@tunelab/core";

/**
 * Checks, before a command does any work, that it will be able to write its output file at the end: the path is not a
 * directory, its directory exists and is writable (and so is the file, when it exists). A usage error otherwise.
 */
export function checkOutputFile(path: string, option = "--output"): void {
  const full = resolve(path);
  const stat = statOf(full);
  if (stat?.isDirectory()) throw refused(option, path, "it is a directory; give a file name");
  const dir = dirname(full);
  const parent = statOf(dir);
  if (!parent) throw refused(option, path, `the directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw refused(option, path, `${dir} is not a directory`);
  if (stat) {
    if (!writable(full)) throw refused(option, path, "the file is not writable");
  } else if (!writable(dir)) throw refused(option, path, `the directory ${dir} is not writable`);
}

/**
 * Checks, before any work, that a command can create `path` as a new directory at the end: nothing is there yet, and
 * the nearest existing folder above it is a writable directory (missing folders in between are created).
 */
export function checkNewDirectory(path: string, option = "--output"): void {
  const full = resolve(path);
  if (statOf(full)) throw refused(option, path, "it already exists; choose a new output directory");
  let dir = dirname(full);
  let stat = statOf(dir);
  while (!stat && dirname(dir) !== dir) {
    dir = dirname(dir);
    stat = statOf(dir);
  }
  if (!stat?.isDirectory()) throw refused(option, path, `${dir} is not a directory`);
  if (!writable(dir)) throw refused(option, path, `the directory ${dir} is not writable`);
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const refused = (option: string, path: string, why: string) =>
  new TunelabError("invalid_argument", `${option} ${path}: ${why}; nothing was done`, { details: { field: option, path } });
