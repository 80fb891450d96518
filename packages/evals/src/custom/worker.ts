import { parentPort, workerData } from "node:worker_threads";
import { GraderErrorType } from "../grade.schema.ts";
import { type CustomGraderDefinition, isGraderDefinition } from "./define.ts";
import type { GradeRequest, GradeResponse, OutputLimitMessage, ReadyMessage, WorkerInit } from "./protocol.ts";

/** Runs inside a worker thread: loads one custom grader module and answers grade requests. */
const port = parentPort;
if (!port) throw new Error("custom/worker.ts must run in a worker thread");
const init = workerData as WorkerInit;
// The grader's prints go to stderr, so they can never corrupt the machine-readable stdout of the host process. They
// are counted here, synchronously, so that a grader printing in a loop that never yields is stopped at the output
// limit (the host also counts what arrives).
let printed = 0;
let overLimit = false;
const writeStderr = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
const cappedWrite = (chunk: unknown, ...rest: unknown[]): boolean => {
  const encoding = typeof rest[0] === "string" ? (rest[0] as BufferEncoding) : "utf8";
  printed += typeof chunk === "string" ? Buffer.byteLength(chunk, encoding) : ((chunk as Uint8Array | undefined)?.byteLength ?? 0);
  if (printed <= init.maxOutputBytes) return writeStderr(chunk, ...rest);
  if (!overLimit) {
    overLimit = true;
    port.postMessage({ kind: "output_limit" } satisfies OutputLimitMessage);
  }
  const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
  callback?.();
  return true;
};
process.stdout.write = cappedWrite as typeof process.stdout.write;
process.stderr.write = cappedWrite as typeof process.stderr.write;

function pick(module: Record<string, unknown>, exportName: string | undefined): CustomGraderDefinition | string {
  if (exportName) {
    const chosen = module[exportName];
    return isGraderDefinition(chosen) ? chosen : `export "${exportName}" is not a defineGrader({...}) definition`;
  }
  if (isGraderDefinition(module.default)) return module.default;
  const named = Object.entries(module).filter(([, value]) => isGraderDefinition(value));
  if (named.length === 1 && named[0]) return named[0][1] as CustomGraderDefinition;
  if (named.length > 1)
    return `the module exports ${named.length} graders (${named.map(([k]) => k).join(", ")}); choose one by export name`;
  return "the module has no default or named export made with defineGrader({ name, version, grade })";
}

async function validateConfig(definition: CustomGraderDefinition, config: unknown): Promise<unknown> {
  const schema = definition.configSchema as unknown;
  if (!schema || typeof schema !== "object") return config;
  const standard = (schema as { "~standard"?: { validate(value: unknown): unknown } })["~standard"];
  if (standard) {
    const result = (await standard.validate(config)) as { value?: unknown; issues?: { message: string; path?: unknown[] }[] };
    if (!result.issues) return result.value;
    const issues = result.issues.map(
      (i) =>
        `${(i.path ?? []).map((p) => (typeof p === "object" && p ? (p as { key: unknown }).key : p)).join(".") || "config"}: ${i.message}`,
    );
    throw Object.assign(new Error(`invalid config for custom grader "${definition.name}": ${issues.join("; ")}`), {
      graderType: "other_error",
    });
  }
  const parse = (schema as { parse?: (value: unknown) => unknown }).parse;
  return typeof parse === "function" ? parse.call(schema, config) : config;
}

function normalize(result: unknown): Extract<GradeResponse, { ok: true }>["grade"] {
  if (typeof result === "boolean") return { score: result ? 1 : 0, passed: result };
  if (typeof result === "number") {
    if (!Number.isFinite(result)) throw new Error(`grade() returned ${result}, expected a finite number`);
    return { score: result };
  }
  if (result && typeof result === "object" && typeof (result as { score?: unknown }).score === "number") {
    const { score, passed, reason, subScores } = result as Record<string, unknown>;
    if (!Number.isFinite(score)) throw new Error(`grade() returned score ${String(score)}, expected a finite number`);
    const grade: Extract<GradeResponse, { ok: true }>["grade"] = { score: score as number };
    if (typeof passed === "boolean") grade.passed = passed;
    if (typeof reason === "string") grade.reason = reason;
    if (subScores && typeof subScores === "object") grade.subScores = subScores as Record<string, number>;
    return grade;
  }
  throw new Error(`grade() returned ${JSON.stringify(result)?.slice(0, 100)}; expected a number, a boolean or { score, passed?, reason? }`);
}

function errorType(error: unknown): GraderErrorType {
  const type = (error as { graderType?: unknown; type?: unknown } | null)?.graderType ?? (error as { type?: unknown } | null)?.type;
  const parsed = GraderErrorType.safeParse(type);
  return parsed.success ? parsed.data : "other_error";
}

async function main(): Promise<void> {
  let definition: CustomGraderDefinition;
  try {
    const module = (await import(init.moduleUrl)) as Record<string, unknown>;
    const picked = pick(module, init.exportName);
    if (typeof picked === "string") throw new Error(picked);
    definition = picked;
  } catch (error) {
    port?.postMessage({ kind: "load_error", message: error instanceof Error ? error.message : String(error) } satisfies ReadyMessage);
    return;
  }
  const meta = {
    name: definition.name,
    version: definition.version,
    ...(definition.description ? { description: definition.description } : {}),
  };
  port?.on("message", async (request: GradeRequest) => {
    printed = 0;
    overLimit = false;
    let response: GradeResponse;
    try {
      const config = await validateConfig(definition, request.config);
      response = {
        kind: "result",
        id: request.id,
        ok: true,
        grade: normalize(await definition.grade(request.sample, request.item, config)),
      };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const isConfigError = (error as { graderType?: unknown } | null)?.graderType !== undefined;
      const message = isConfigError ? text : `custom grader "${definition.name}" threw: ${text}`;
      response = { kind: "result", id: request.id, ok: false, type: errorType(error), message };
    }
    port.postMessage(response);
  });
  port?.postMessage({ kind: "ready", meta } satisfies ReadyMessage);
}

await main();
