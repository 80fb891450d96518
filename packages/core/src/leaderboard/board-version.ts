import { TunelabError } from "@tunelab/base";
import { z } from "zod";

/** A leaderboard's version of the test split or grader set: `NAME@N`, or just its number `N`. */
export function boardVersionRef(name: string) {
  return z
    .string()
    .max(80)
    .regex(new RegExp(`^(${name}@)?[1-9][0-9]{0,8}$`), `expected ${name}@N or N, e.g. ${name}@1`);
}

/** How not_found names what was asked for and what the project has. */
export interface BoardVersionKind {
  /** `test split` */
  noun: string;
  /** `test@` */
  prefix: string;
  /** `test splits` */
  plural: string;
  /** What to say when the project has none. */
  none: string;
  /** The details' key of the ref asked for, and of the refs the project has. */
  field: string;
  listField: string;
}

/** The version `ref` (`NAME@N` or `N`) names among the project's; not_found names the versions it has. */
export function pickBoardVersion<T extends { ref: string }>(
  versions: readonly T[],
  numberOf: (version: T) => number,
  ref: string,
  project: { name: string },
  kind: BoardVersionKind,
): T {
  const number = Number(ref.slice(ref.indexOf("@") + 1));
  const version = versions.find((v) => numberOf(v) === number);
  if (version) return version;
  const refs = versions.map((v) => v.ref);
  const have = refs.length ? `its ${kind.plural}: ${refs.join(", ")}` : kind.none;
  throw new TunelabError("not_found", `project ${project.name} has no ${kind.noun} ${kind.prefix}${number} (${have})`, {
    details: { [kind.field]: ref, [kind.listField]: refs },
  });
}
