import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { TunelabError } from "@tunelab/base";
import { type GraderConfig, loadCustomGrader } from "@tunelab/evals";
import { gradersFromJson } from "./save-grader-set.ts";

/** File extensions of custom grader modules (anything else is read as grader JSON). */
export const CUSTOM_GRADER_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs"];

export const isCustomGraderModule = (file: string) => CUSTOM_GRADER_EXTENSIONS.includes(extname(file));

/**
 * The graders of a file: OpenAI grader JSON (one, a list, an eval's testing_criteria, or {graders, primary_metric}),
 * or a custom grader module exporting defineGrader(...), which is loaded once (in a worker) to check it and read its
 * name; `name` overrides that name. Relative paths resolve against `cwd` (default: the process's). Errors name the file.
 */
export async function gradersFromFile(
  file: string,
  options: { name?: string; cwd?: string } = {},
): Promise<{ graders: GraderConfig[]; primaryMetric?: string }> {
  const path = resolve(options.cwd ?? process.cwd(), file);
  if (isCustomGraderModule(file)) {
    const loaded = await loadCustomGrader(path).catch((error: Error) => {
      throw new TunelabError("invalid_argument", `${file}: ${error.message}`);
    });
    await loaded.close();
    return gradersFromJson({ type: "custom", name: options.name ?? loaded.name, path }, file);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new TunelabError("invalid_argument", `cannot read ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TunelabError("invalid_argument", `${file} is not valid JSON: ${(error as Error).message}`);
  }
  return gradersFromJson(json, file);
}
