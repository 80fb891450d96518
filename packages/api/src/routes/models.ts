import { createRoute, z } from "@hono/zod-openapi";
import { BaseModelInfo, type LocalEngine } from "@tunelab/core";
import { router } from "../http/router.ts";
import { json } from "../http/schemas.ts";

export const BaseModelList = z.object({ data: z.array(z.object(BaseModelInfo.shape).openapi("BaseModel")) }).openapi("BaseModelList");

/** The base models experiments can start from on the embedded engine (for the web app's pickers and filters). */
export function modelRoutes(local: LocalEngine | undefined) {
  return router().openapi(
    createRoute({
      method: "get",
      path: "/models",
      summary: "Base models: the engine's built-in sizes and registered open-weight checkpoints",
      responses: {
        200: json(BaseModelList, "Built-in sizes first, then registered open-weight models (`tunelab models add hf:ORG/NAME`)"),
      },
    }),
    async (c) => c.json({ data: local ? await local.baseModels() : [] }, 200),
  );
}
