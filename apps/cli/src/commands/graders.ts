import { accessSync, constants, readFileSync, statSync } from "node:fs";
import {
  addGraders,
  currentGraderSet,
  getProjectByName,
  gradersFromFile,
  isCustomGraderModule,
  isTunelabError,
  listGraderSets,
  removeGrader,
  TunelabError,
} from "@tunelab/core";
import {
  DEFAULT_SIMILARITY_THRESHOLD,
  type GraderConfig,
  GraderConfigError,
  type Sample,
  ToolCall,
  testGrader,
  toSample,
} from "@tunelab/evals";
import type { Command } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { color, emit, type GlobalOptions, table } from "../output.ts";

/** Inline JSON or a file's; text that is not JSON is refused with `code` (a grader's: validation_failed, as in `graders add`). */
function readJson(text: string, what: string, code: "invalid_argument" | "validation_failed" = "invalid_argument"): unknown {
  const source = text.trim().startsWith("{") || text.trim().startsWith("[") || text.trim().startsWith('"') ? text : readFileText(text);
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new TunelabError(code, `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

const SAMPLE_FIELDS = ["output_text", "output_tools"];

/**
 * `--sample-json`: a JSON object `{output_text?, output_tools?}` from a file or stdin (`-`), as `POST /api/graders/test`
 * takes it (tool calls in OpenAI's shape, the API's `ToolCall` schema). A bad object is refused naming the field.
 */
function sampleFromJson(source: string): Sample {
  const where = source === "-" ? "--sample-json (stdin)" : `--sample-json ${source}`;
  const text = source === "-" ? readFileText(0, "stdin") : readFileText(source);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TunelabError("invalid_argument", `${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new TunelabError(
      "invalid_argument",
      `${where}: expected a JSON object {output_text?, output_tools?}, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`,
    );
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !SAMPLE_FIELDS.includes(key));
  if (unknown !== undefined)
    throw new TunelabError("invalid_argument", `${where}: unknown field ${unknown}: expected only ${SAMPLE_FIELDS.join(", ")}`);
  if (record.output_text !== undefined && typeof record.output_text !== "string")
    throw new TunelabError("invalid_argument", `${where}: output_text: expected a string, got ${JSON.stringify(record.output_text)}`);
  const tools = ToolCall.array().optional().safeParse(record.output_tools);
  if (!tools.success) {
    const issue = tools.error.issues[0];
    const path = (issue?.path ?? []).map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
    throw new TunelabError("invalid_argument", `${where}: output_tools${path}: ${issue?.message ?? "invalid"}`);
  }
  return toSample(record.output_text ?? "", tools.data);
}

function readFileText(path: string | number, name = String(path)): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new TunelabError("invalid_argument", `cannot read ${name}`);
  }
}

/**
 * The graders of a grader file (JSON or a custom module). A file that cannot be read is a usage error (exit 2); a file
 * whose content is not valid (not JSON, an unknown operation, a missing field) fails validation, exit 1 as invalid data.
 */
async function graderFile(file: string, options: { name?: string } = {}): ReturnType<typeof gradersFromFile> {
  let problem: string | undefined;
  try {
    if (statSync(file).isDirectory()) problem = "it is a directory";
    else accessSync(file, constants.R_OK);
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
  }
  if (problem) throw new TunelabError("invalid_argument", `cannot read ${file}: ${problem}`);
  try {
    return await gradersFromFile(file, options);
  } catch (error) {
    if (isTunelabError(error) && error.code === "invalid_argument")
      throw new TunelabError("validation_failed", error.message, { cause: error, details: error.details });
    throw error;
  }
}

export function registerGraders(program: Command, globals: () => GlobalOptions): void {
  const graders = program.command("graders").description("the project's grader set: OpenAI grader JSON or custom grader modules");

  graders
    .command("list")
    .description("the current grader set and its versions")
    .option("-p, --project <name>", "project (default: the only project)")
    .action(async (o: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, o.project));
        const current = await currentGraderSet(ws.db, project.id);
        const versions = await listGraderSets(ws.db, project.id);
        emit(globals(), { current: current ?? null, versions }, () =>
          current
            ? `${color.bold(current.ref)} (${versions.length} version${versions.length === 1 ? "" : "s"}) · primary metric ${color.bold(current.primaryMetric)}\n${table(
                ["grader", "type", "details"],
                current.graders.map((g) => [g.name === current.primaryMetric ? `${g.name} *` : g.name, g.type, details(g)]),
              )}`
            : "no graders yet: `tunelab graders add graders.json` (OpenAI grader JSON) or `tunelab graders add my-grader.ts`",
        );
      });
    });

  graders
    .command("add")
    .description("add graders from a JSON file or a custom grader module (a new grader set version)")
    .argument("<file>", "grader JSON, or a .ts/.js module exporting defineGrader(...)")
    .option("-p, --project <name>", "project (default: the only project)")
    .option("--name <name>", "name of a custom grader (default: its definition's name)")
    .option("--primary <name>", "make this grader the primary metric")
    .addHelpText(
      "after",
      '\nExamples:\n  tunelab graders add graders.json --primary accuracy\n  echo \'{"type":"string_check","name":"exact","input":"{{sample.output_text}}","reference":"{{item.reference}}","operation":"eq"}\' > exact.json && tunelab graders add exact.json\n  tunelab graders add graders/priority.ts',
    )
    .action(async (file: string, o: { project?: string; name?: string; primary?: string }) => {
      const parsed = await graderFile(file, o.name === undefined ? {} : { name: o.name });
      await withWorkspace(async (ws) => {
        const result = await addGraders(ws, await resolveProjectName(ws, o.project), parsed.graders, o.primary ?? parsed.primaryMetric);
        emit(globals(), result, () =>
          result.created || result.restored
            ? color.green(
                `✔ ${result.graderSet.ref}${result.restored ? " again" : ""}: ${result.graderSet.graders.map((g) => g.name).join(", ")} · primary ${result.graderSet.primaryMetric}`,
              )
            : color.yellow(`= unchanged: already ${result.graderSet.ref}`),
        );
      });
    });

  graders
    .command("remove")
    .description("remove a grader (a new grader set version)")
    .argument("<name>")
    .option("-p, --project <name>", "project (default: the only project)")
    .action(async (name: string, o: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const result = await removeGrader(ws, await resolveProjectName(ws, o.project), name);
        emit(globals(), result, () =>
          color.green(`✔ ${result.graderSet.ref}${result.restored ? " again (the set before it was added)" : ""} without ${name}`),
        );
      });
    });

  graders
    .command("test")
    .description("try one grader on one sample and item: score, sub-scores, errors, rendered inputs")
    .requiredOption("-g, --grader <file|json>", "grader JSON (inline or a file) or a custom grader module")
    .option("-s, --sample <text>", "the model's output text")
    .option(
      "--sample-json <file|->",
      "the model's output as a JSON object {output_text?, output_tools?} (tool calls in OpenAI's shape), from a file or stdin (-)",
    )
    .option("-i, --item <file|json>", "the test item: a JSONL line of the test split ({messages, ...})", "{}")
    .addHelpText(
      "after",
      '\nExamples:\n  tunelab graders test --grader exact.json --sample \'{"category":"billing"}\' --item \'{"messages":[{"role":"user","content":"refund"},{"role":"assistant","content":"{\\"category\\":\\"billing\\"}"}]}\'\n  echo \'{"output_tools":[{"type":"function","function":{"name":"refund","arguments":"{}"}}]}\' | tunelab graders test --sample-json - --grader \'{"type":"string_check","name":"tool","input":"{{sample.output_tools[0].function.name}}","reference":"refund","operation":"eq"}\'',
    )
    .action(async (o: { grader: string; sample?: string; sampleJson?: string; item: string }) => {
      if ((o.sample === undefined) === (o.sampleJson === undefined))
        throw new TunelabError("invalid_argument", "give exactly one of --sample <text> and --sample-json <file|->");
      const sample = o.sampleJson === undefined ? (o.sample as string) : sampleFromJson(o.sampleJson);
      const grader = isCustomGraderModule(o.grader)
        ? (await graderFile(o.grader)).graders[0]
        : readJson(o.grader, "--grader", "validation_failed");
      const item = readJson(o.item, "--item") as Record<string, unknown>;
      try {
        const result = await testGrader({ grader, sample, item });
        emit(globals(), result, () => {
          const status =
            result.status === "passed" ? color.green("passed") : result.status === "failed" ? color.yellow("failed") : color.red("errored");
          const lines = [`${status} · score ${result.score}${result.reason ? ` · ${result.reason}` : ""}`];
          if (result.error) lines.push(color.red(`${result.error.type}: ${result.error.message}`));
          if (result.subScores)
            lines.push(
              `sub-scores: ${Object.entries(result.subScores)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}`,
            );
          lines.push(`rendered: ${JSON.stringify(result.rendered)}`);
          return lines.join("\n");
        });
        if (result.status === "errored") process.exitCode = EXIT.checkFailed;
      } catch (error) {
        // an invalid grader config fails validation (exit 1), as in `graders add`
        if (error instanceof GraderConfigError) throw new TunelabError("validation_failed", error.message);
        throw error;
      }
    });
}

function details(g: GraderConfig): string {
  const c = g as Record<string, unknown>;
  if (g.type === "text_similarity") {
    // OpenAI's fine-tuning shape has no pass_threshold: the grader passes from the default
    const threshold = c.pass_threshold === undefined ? `${DEFAULT_SIMILARITY_THRESHOLD} (default)` : String(c.pass_threshold);
    return `${String(c.evaluation_metric)} ≥ ${threshold}`;
  }
  if (g.type === "string_check") return `${String(c.operation)} ${String(c.reference)}`;
  if (g.type === "custom") return `${String(c.path)} (${String(c.sha256).slice(0, 12)})`;
  if (g.type === "json_match") return c.fields ? `fields ${(c.fields as string[]).join(", ")}` : "every reference field";
  return "";
}
