import { Hono } from "hono";
import { badRequest, OpenAIHttpError } from "../http/openai-error.ts";
import type { EngineStore } from "../storage/store.ts";
import { findRegisteredBase } from "./base-model.repository.ts";
import type { TunedModels } from "./missing-models.ts";
import { ENGINE_START, findBaseModel, listModels, toModelObject, toRegisteredObject } from "./model.repository.ts";

export function modelRoutes(store: EngineStore, tuned: TunedModels): Hono {
  const app = new Hono();

  // tuned models deleted on another machine's engine are not listed (and their copies go), as they are not retrieved
  app.get("/", async (c) => c.json({ object: "list", data: await listModels(store, (rows) => tuned.current(rows)) }));

  app.get("/:id{.+}", async (c) => {
    const id = c.req.param("id");
    if (findBaseModel(id)) return c.json({ id, object: "model", created: ENGINE_START, owned_by: "tunelab" });
    const registered = await findRegisteredBase(store, id);
    if (registered) return c.json(toRegisteredObject(registered));
    const row = await tuned.find(id);
    if (!row) throw modelNotFound(id);
    return c.json(toModelObject(row));
  });

  app.delete("/:id{.+}", async (c) => {
    const id = c.req.param("id");
    if (findBaseModel(id)) throw badRequest(`Model ${id} is a base model and cannot be deleted.`, "model");
    if (await findRegisteredBase(store, id))
      throw badRequest(`Model ${id} is a registered base model; remove it with \`tunelab models remove ${id}\`.`, "model");
    // the engine's copy, and (in a team) the published one other engines would fetch
    if (!(await tuned.remove(id))) throw modelNotFound(id);
    return c.json({ id, object: "model", deleted: true });
  });

  return app;
}

export const modelNotFound = (id: string) =>
  new OpenAIHttpError(
    404,
    `The model \`${id}\` does not exist or you do not have access to it.`,
    "invalid_request_error",
    "model",
    "model_not_found",
  );
