// Creating experiments on a real SQLite workspace: DPO needs preference data (refused before anything is stored or
// uploaded), method-only hyperparameters are refused, LoRA settings and beta are part of the config hash and the name.

import { sha256, TunelabError } from "@tunelab/base";
import { canonicalJson } from "@tunelab/formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import type { ProjectId } from "../shared/id.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { listExperiments } from "./experiment.repository.ts";

type TempWorkspace = Awaited<ReturnType<typeof tempWorkspace>>;
let ws: TempWorkspace;

beforeEach(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
});
afterEach(async () => {
  await ws.dispose();
});

async function refusal(run: Promise<unknown>): Promise<TunelabError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TunelabError);
  return error as TunelabError;
}

describe("creating a DPO experiment", () => {
  it("takes a preference dataset version, with beta and LoRA settings in the name and the stored request", async () => {
    const { experiment, created } = await createExperiment(ws, {
      project: "p",
      dataset: "prefs@1",
      model: "tiny-qwen2",
      method: "dpo",
      hyperparameters: { beta: 0.2, lora_rank: 8, lora_target_modules: ["v_proj", "q_proj"] },
    });
    expect(created).toBe(true);
    expect(experiment.method).toBe("dpo");
    expect(experiment.name).toBe("prefs@1 tiny-qwen2 dpo beta=0.2 r=8 targets=q,v");
    expect(experiment.hyperparameters.requested).toEqual({
      n_epochs: "auto",
      batch_size: "auto",
      learning_rate_multiplier: "auto",
      beta: 0.2,
      lora_rank: 8,
      lora_target_modules: ["q_proj", "v_proj"],
    });
  });

  it("refuses chat data for DPO and preference data for supervised, naming the version and its format, storing nothing", async () => {
    const dpo = await refusal(createExperiment(ws, { project: "p", dataset: "train@1", model: "tiny-qwen2", method: "dpo" }));
    expect(dpo.code).toBe("invalid_argument");
    expect(dpo.message).toMatch(/^dataset train@1 is supervised data .*method dpo needs preference data/);
    const sft = await refusal(createExperiment(ws, { project: "p", dataset: "prefs@1", model: "tiny-qwen2" }));
    expect(sft.message).toMatch(/^dataset prefs@1 is preference data .*method supervised needs supervised data.*--method dpo/);
    const validation = await refusal(
      createExperiment(ws, { project: "p", dataset: "prefs@1", validation: "train@1", model: "tiny-qwen2", method: "dpo" }),
    );
    expect(validation.message).toMatch(/^validation train@1 is supervised data/);
    const project = (await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow()).id;
    expect(await listExperiments(ws.db, project)).toEqual([]);
  });

  it("refuses a hyperparameter of the other method, naming it", async () => {
    const beta = await refusal(
      createExperiment(ws, { project: "p", dataset: "train@1", model: "tiny-qwen2", hyperparameters: { beta: 0.1 } }),
    );
    expect(beta.message).toBe("hyperparameters.beta: beta applies to method dpo only, not supervised");
    const plw = await refusal(
      createExperiment(ws, { project: "p", dataset: "prefs@1", model: "m", method: "dpo", hyperparameters: { prompt_loss_weight: 0 } }),
    );
    expect(plw.message).toBe("hyperparameters.prompt_loss_weight: prompt_loss_weight applies to method supervised only, not dpo");
    const full = await refusal(
      createExperiment(ws, { project: "p", dataset: "prefs@1", model: "m", method: "dpo", hyperparameters: { training_type: "full" } }),
    );
    expect(full.message).toBe("hyperparameters.training_type: DPO trains LoRA adapters; training_type full is for method supervised");
    const fullLora = await refusal(
      createExperiment(ws, { project: "p", dataset: "train@1", model: "m", hyperparameters: { training_type: "full", lora_rank: 8 } }),
    );
    expect(fullLora.message).toBe("hyperparameters.lora_rank: LoRA settings do not apply with training_type full (every weight trains)");
    const range = await refusal(createExperiment(ws, { project: "p", dataset: "train@1", model: "m", hyperparameters: { lora_rank: 0 } }));
    expect(range.message).toMatch(/^hyperparameters\.lora_rank: /);
    const module = await refusal(
      createExperiment(ws, { project: "p", dataset: "train@1", model: "m", hyperparameters: { lora_target_modules: ["qkv"] as never } }),
    );
    expect(module.message).toMatch(/^hyperparameters\.lora_target_modules/);
  });
});

describe("the config hash", () => {
  const make = (extra: Record<string, unknown>, method: "supervised" | "dpo" = "supervised") =>
    createExperiment(ws, {
      project: "p",
      dataset: method === "dpo" ? "prefs@1" : "train@1",
      model: "tiny-qwen2",
      method,
      hyperparameters: { n_epochs: 2, ...extra },
    });

  it("covers LoRA settings and beta, and spells target modules one way", async () => {
    const first = await make({ lora_rank: 4 });
    expect(first.created).toBe(true);
    expect((await make({ lora_rank: 4 })).experiment.id).toBe(first.experiment.id);
    expect((await make({ lora_rank: 4 })).created).toBe(false);
    for (const changed of [{ lora_rank: 8 }, { lora_rank: 4, lora_alpha: 8 }, { lora_rank: 4, lora_dropout: 0.1 }, {}]) {
      const other = await make(changed);
      expect(other.created, JSON.stringify(changed)).toBe(true);
    }
    const qv = await make({ lora_target_modules: ["v_proj", "q_proj", "v_proj"] });
    expect(qv.created).toBe(true);
    expect((await make({ lora_target_modules: ["q_proj", "v_proj"] })).experiment.id).toBe(qv.experiment.id);
    const all = await make({ lora_target_modules: "all-linear" });
    const listed = await make({ lora_target_modules: ["down_proj", "up_proj", "gate_proj", "o_proj", "v_proj", "k_proj", "q_proj"] });
    expect(listed.experiment.id).toBe(all.experiment.id);
    // Phi-3's PEFT names stand for the projections they stack
    const qkvo = await make({ lora_target_modules: ["qkv_proj", "o_proj"] });
    expect((await make({ lora_target_modules: ["o_proj", "v_proj", "k_proj", "q_proj"] })).experiment.id).toBe(qkvo.experiment.id);
    expect((await make({ lora_target_modules: ["gate_up_proj", "qkv_proj", "down_proj", "o_proj"] })).experiment.id).toBe(
      all.experiment.id,
    );

    const dpo = await make({ beta: 0.1 }, "dpo");
    expect(dpo.created).toBe(true);
    expect((await make({ beta: 0.2 }, "dpo")).created).toBe(true);
    expect((await make({ beta: 0.1 }, "dpo")).experiment.id).toBe(dpo.experiment.id);
    expect(new Set([dpo.experiment.configHash, first.experiment.configHash]).size).toBe(2);
  });

  it("leaves unset extensions out of the stored request, so experiments made before them keep their hash", async () => {
    const plain = await make({});
    expect(Object.keys(plain.experiment.hyperparameters.requested).sort()).toEqual(["batch_size", "learning_rate_multiplier", "n_epochs"]);
    expect(plain.experiment.name).toBe("train@1 tiny-qwen2 ep=2");
    // the formula of the hash before LoRA and DPO existed
    const version = await getVersionByRef(ws.db, plain.experiment.projectId as ProjectId, "train@1");
    const before = canonicalJson({
      dataset: version.contentHash,
      validation: null,
      model: "tiny-qwen2",
      provider: "local",
      method: "supervised",
      hyperparameters: { n_epochs: 2, batch_size: "auto", learning_rate_multiplier: "auto" },
      seed: 42,
    });
    expect(plain.experiment.configHash).toBe(sha256(before));
  });
});

describe("refusing out-of-range values", () => {
  it("names the field's own limit for a huge value (not 9007199254740991), the seed's too, and stores nothing", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ hyperparameters: { n_epochs: 1e308 } }, /^hyperparameters\.n_epochs: Too big: expected number to be <=50$/],
      [{ hyperparameters: { batch_size: 2 ** 60 } }, /^hyperparameters\.batch_size: Too big: expected number to be <=256$/],
      [{ seed: 1e300 }, /^seed: Too big: expected number to be <=2147483647$/],
    ];
    for (const [extra, message] of cases) {
      const error = await refusal(createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", ...extra } as never));
      expect(error.code, JSON.stringify(extra)).toBe("invalid_argument");
      expect(error.message, JSON.stringify(extra)).toMatch(message);
    }
    expect(await listExperiments(ws.db, (await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow()).id)).toEqual([]);
  });
});

describe("early stopping", () => {
  it("is refused without validation data (it could never stop), naming the field and the flag, and stores nothing", async () => {
    const error = await refusal(
      createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", hyperparameters: { early_stopping_patience: 2 } }),
    );
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(/^hyperparameters\.early_stopping_patience: .*needs validation data \(--validation NAME@N\)/);
    const project = await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow();
    expect(await listExperiments(ws.db, project.id)).toEqual([]);
    // with validation data, or turned off (0) or auto, it is stored
    const withValidation = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      validation: "train@1",
      model: "local-tiny",
      hyperparameters: { early_stopping_patience: 2 },
    });
    expect(withValidation.created).toBe(true);
    for (const early_stopping_patience of [0, "auto"] as const)
      expect(
        (
          await createExperiment(ws, {
            project: "p",
            dataset: "train@1",
            model: "local-tiny",
            hyperparameters: { early_stopping_patience },
          })
        ).created,
      ).toBe(true);
  });
});

describe("an experiment's name", () => {
  it("is refused when blank (it would leave the experiment nameless in lists), storing nothing; surrounding spaces are trimmed", async () => {
    for (const name of ["", "   "]) {
      const error = await refusal(createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name }));
      expect(error.code).toBe("invalid_argument");
      expect(error.message, JSON.stringify(name)).toBe(
        "name: expected a name of 1 to 120 characters, or leave it out for the default name",
      );
    }
    const project = await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow();
    expect(await listExperiments(ws.db, project.id)).toEqual([]);
    const named = await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name: "  first try " });
    expect(named.experiment.name).toBe("first try");
  });
});

describe("the dataset versions named", () => {
  it("are refused when malformed (train@1@2 trained on train@1 before), naming the field, storing nothing", async () => {
    for (const [extra, field] of [
      [{ dataset: "train@1@2" }, "dataset"],
      [{ dataset: "train@one" }, "dataset"],
      [{ dataset: "train@1", validation: "train@@1" }, "validation"],
    ] as const) {
      const error = await refusal(createExperiment(ws, { project: "p", model: "local-tiny", ...extra }));
      expect(error.code).toBe("invalid_argument");
      expect(error.message, JSON.stringify(extra)).toBe(`${field}: expected NAME or NAME@N, e.g. train@2`);
    }
    const project = await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow();
    expect(await listExperiments(ws.db, project.id)).toEqual([]);
  });
});
