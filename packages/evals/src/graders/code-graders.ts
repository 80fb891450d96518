import type { GraderConfig } from "./registry.ts";

/** Grader types whose config is code tunelab runs: `python` source and `custom` modules. */
export const CODE_GRADER_TYPES = ["python", "custom"] as const;
export type CodeGraderType = (typeof CODE_GRADER_TYPES)[number];

/** A grader (or a `multi`'s sub-grader, named `multi.graders.sub`) that runs code. */
export interface CodeGraderRef {
  name: string;
  type: CodeGraderType;
}

/** The graders among `configs` that run code, including those nested in `multi`. */
export function codeGraders(configs: readonly GraderConfig[]): CodeGraderRef[] {
  const found: CodeGraderRef[] = [];
  for (const config of configs) {
    if (config.type === "python" || config.type === "custom") found.push({ name: config.name, type: config.type });
    else if (config.type === "multi")
      for (const [key, sub] of Object.entries(config.graders))
        if (sub.type === "python" || sub.type === "custom") found.push({ name: `${config.name}.graders.${key}`, type: sub.type });
  }
  return found;
}
