import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalEngine } from "@tunelab/contracts";

/**
 * A machine's embedded engine as far as tuned models' files go (tunedModelDir, catalog.parentOf, adoptTunedModel): one
 * directory per model under `root`. @tunelab/engine itself is not a dependency of core (packages/api/test runs the
 * real one). `trained` writes what the engine's training made; `deleted` removes its copy, as `DELETE /v1/models/ID` does.
 */
export interface EngineFiles extends LocalEngine {
  parents: Map<string, string>;
  trained(id: string, baseModel: string, files: Record<string, string>): void;
  deleted(id: string): void;
  /** Called with the model id each time the engine is asked for a model's directory (before it answers). */
  onLookup?: (id: string) => void;
}

export function engineFiles(root: string): EngineFiles {
  const dirOf = (id: string) => join(root, encodeURIComponent(id));
  const parents = new Map<string, string>();
  const files: Partial<EngineFiles> = {
    parents,
    tunedModelDir: async (id: string) => {
      files.onLookup?.(id);
      return existsSync(dirOf(id)) ? dirOf(id) : undefined;
    },
    catalog: { parentOf: async (id: string) => parents.get(id) } as LocalEngine["catalog"],
    adoptTunedModel: async (model: { id: string; baseModel: string; dir: string }) => {
      cpSync(model.dir, dirOf(model.id), { recursive: true });
      parents.set(model.id, model.baseModel);
    },
    trained: (id, baseModel, content) => {
      for (const [path, text] of Object.entries(content)) {
        const file = join(dirOf(id), path);
        mkdirSync(join(file, ".."), { recursive: true });
        writeFileSync(file, text);
      }
      parents.set(id, baseModel);
    },
    deleted: (id) => {
      rmSync(dirOf(id), { recursive: true, force: true });
      parents.delete(id);
    },
  };
  return files as EngineFiles;
}

/** Every file of a model directory: its content by relative path. */
export const modelFiles = (root: string, id: string): Record<string, string> => {
  const dir = join(root, encodeURIComponent(id));
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) =>
      e.isFile() ? [[join(e.parentPath, e.name).slice(dir.length + 1), readFileSync(join(e.parentPath, e.name), "utf8")]] : [],
    ),
  );
};
