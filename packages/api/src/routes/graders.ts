import { resolve, sep } from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import {
  assertCodeGradersAllowed,
  currentGraderSet,
  getProjectByName,
  gradersFromJson,
  listGraderSets,
  saveGraderSet,
  TunelabError,
  type Workspace,
} from "@tunelab/core";
import {
  GRADER_TYPES,
  type GraderConfig,
  GraderConfigError,
  parseGraderConfig,
  ToolCall,
  testGraderOffThread,
  toEvalItem,
  toSample,
} from "@tunelab/evals";
import { assertAdminForCodeGraders } from "../http/code-graders.ts";
import { GraderSets, GraderTestResult, GraderTypes, SavedGraderSet } from "../http/contracts/graders.ts";
import { router } from "../http/router.ts";
import { AnyJson, errors, json, ProjectParams } from "../http/schemas.ts";

const GraderTest = z
  .object({
    grader: z.record(z.string(), z.unknown()),
    sample: z.union([z.string(), z.object({ output_text: z.string(), output_tools: z.array(ToolCall).optional() }).loose()]),
    item: z.record(z.string(), z.unknown()).default({}),
    /** The item's 0-based position in the test split (its default id is position + 1). */
    position: z.number().int().min(0).default(0),
  })
  .openapi("GraderTest");

export interface GraderRouteOptions {
  /** `tunelab serve --allow-code-graders`: python and custom graders may be registered and tried over HTTP. */
  allowCodeGraders: boolean;
}

/** A custom grader's module must be a file inside the server's working directory. */
function assertModuleInside(configs: readonly GraderConfig[]): void {
  for (const grader of configs.flatMap((c): GraderConfig[] => (c.type === "multi" ? Object.values(c.graders) : [c]))) {
    if (grader.type !== "custom") continue;
    const path = resolve(grader.path);
    if (!path.startsWith(resolve(".") + sep)) {
      throw new TunelabError(
        "invalid_argument",
        `custom grader "${grader.name}": its module must be inside the working directory (${resolve(".")})`,
      );
    }
  }
}

export function graderRoutes(ws: Workspace, options: GraderRouteOptions) {
  return router()
    .openapi(createRoute({ method: "get", path: "/graders/types", responses: { 200: json(GraderTypes, "Grader types") } }), (c) =>
      c.json({ data: GRADER_TYPES, allowCodeGraders: options.allowCodeGraders }, 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project}/graders",
        request: { params: ProjectParams },
        responses: { 200: json(GraderSets, "Current grader set and its versions"), ...errors },
      }),
      async (c) => {
        const project = await getProjectByName(ws.db, c.req.valid("param").project);
        return c.json(
          { current: (await currentGraderSet(ws.db, project.id)) ?? null, versions: await listGraderSets(ws.db, project.id) },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: "put",
        path: "/projects/{project}/graders",
        request: { params: ProjectParams, body: { content: { "application/json": { schema: AnyJson } }, required: true } },
        responses: {
          201: json(SavedGraderSet, "A new grader set version"),
          200: json(SavedGraderSet, "Unchanged, or an earlier version current again (restored)"),
          ...errors,
        },
      }),
      async (c) => {
        const { project } = c.req.valid("param");
        const parsed = gradersFromJson(c.req.valid("json"), "request body");
        assertAdminForCodeGraders(c, parsed.graders, "register");
        assertCodeGradersAllowed(parsed.graders, options.allowCodeGraders, "register");
        assertModuleInside(parsed.graders);
        const result = await saveGraderSet(ws, project, parsed);
        return c.json(result, result.created ? 201 : 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/graders/test",
        request: { body: { content: { "application/json": { schema: GraderTest } }, required: true } },
        responses: { 200: json(GraderTestResult, "Score, sub-scores and errors for one sample"), ...errors },
      }),
      async (c) => {
        const body = c.req.valid("json");
        let config: GraderConfig;
        try {
          config = parseGraderConfig(body.grader);
        } catch (error) {
          if (error instanceof GraderConfigError) throw new TunelabError("invalid_argument", error.message, { details: error.issues });
          throw error;
        }
        assertAdminForCodeGraders(c, [config], "try");
        assertCodeGradersAllowed([config], options.allowCodeGraders, "try");
        assertModuleInside([config]);
        const sample = typeof body.sample === "string" ? body.sample : toSample(body.sample.output_text, body.sample.output_tools);
        // a test-split line is built as the eval runner builds it (item.reference, reference_json, …), and shown back
        const item = Array.isArray(body.item.messages) ? toEvalItem(body.item, body.position) : body.item;
        // a pure grader grades in a worker thread with a deadline: a grader stuck on the sample never blocks the server
        return c.json({ ...(await testGraderOffThread({ grader: config, sample, item })), item }, 200);
      },
    );
}
