import { createRoute, z } from "@hono/zod-openapi";
import { BaseModelInfo } from "@tunelab/core";
import type { Engine } from "@tunelab/engine";
import { baseModels } from "../engine-models.ts";
import { router } from "../http/router.ts";
import { json } from "../http/schemas.ts";

export const BaseModelList = z.object({ data: z.array(z.object(BaseModelInfo.shape).openapi("BaseModel")) }).openapi("BaseModelList");

/** The base models experiments can start from on the embedded engine (for the web app's pickers and filters). */
export function modelRoutes(engine: Engine | undefined) {
  return router().openapi(
    createRoute({
      method: "get",
      path: "/models",
      summary: "Base models: the engine's built-in sizes and registered open-weight checkpoints",
      responses: {
        200: json(BaseModelList, "Built-in sizes first, then registered open-weight models (`tunelab models add hf:ORG/NAME`)"),
      },
    }),
    async (c) => c.json({ data: await baseModels(engine) }, 200),
  );
}
