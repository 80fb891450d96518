import {
  CreateExperiment,
  type HyperparameterName,
  LORA_TARGET_MODULES,
  parseLoraTargets,
  RequestedHyperparameters,
  type SweepRequest,
  TRAINING_METHODS,
  type TrainingMethod,
} from "@tunelab/core";
import { type Command, InvalidArgumentError, Option } from "commander";
import { checkedBy, finiteNumber, positiveInteger } from "../option-parsers.ts";

/**
 * The command-line flag of every hyperparameter (a missing one fails to compile) and its help. Values are checked by
 * core's schema as commander parses them, so a bad value stops the command before any work starts.
 */
const FLAGS: Record<HyperparameterName, { flag: string; help: string }> = {
  n_epochs: { flag: "--epochs", help: "n_epochs: passes over the data (auto: the provider's rule)" },
  batch_size: { flag: "--batch-size", help: "batch_size (auto: by dataset size)" },
  learning_rate_multiplier: { flag: "--lr-multiplier", help: "learning_rate_multiplier (auto: 1)" },
  prompt_loss_weight: { flag: "--prompt-loss-weight", help: "loss weight of prompt tokens, 0 to 1 (local engine, supervised; auto: 0.1)" },
  early_stopping_patience: {
    flag: "--early-stopping-patience",
    help: "with --validation: stop after N validations without improvement, keep the best weights (local engine, supervised; auto: 3, 0: off)",
  },
  beta: { flag: "--beta", help: "DPO's beta: how far the tuned model may move from the reference, > 0 (method dpo; auto: 0.1)" },
  training_type: {
    flag: "--training-type",
    help: "open-weight bases: lora (an adapter; auto) or full (every weight, bases up to 1B parameters; supervised only)",
  },
  lora_rank: { flag: "--lora-rank", help: "LoRA rank r, 1 to 512 (open-weight bases; auto: 16)" },
  lora_alpha: { flag: "--lora-alpha", help: "LoRA alpha: the update is scaled by alpha / r (auto: 32)" },
  lora_dropout: { flag: "--lora-dropout", help: "dropout on the adapter's input, 0 to 0.9 (auto: 0)" },
  lora_target_modules: {
    flag: "--lora-targets",
    help: `projections that get an adapter: all-linear or a comma list of ${LORA_TARGET_MODULES.join(",")} (auto: all-linear)`,
  },
  base_quantization: {
    flag: "--base-quantization",
    help: "LoRA: the frozen base as stored (none), in 8-bit blocks (q8_0: about half of bf16's memory) or 4-bit ones (q4_0: a third), to train and serve (auto: none unless the base would take over half the memory)",
  },
};

/** Parses one value as the hyperparameter takes it: a number, `auto`, or for target modules `q_proj,v_proj` / `all-linear`. */
export function parseHyperparameter(key: HyperparameterName, text: string): unknown {
  const trimmed = text.trim();
  let value: unknown;
  if (key === "lora_target_modules") {
    try {
      value = parseLoraTargets(trimmed);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  } else if (trimmed === "auto" || key === "training_type" || key === "base_quantization") value = trimmed;
  else {
    value = Number(trimmed);
    if (trimmed === "" || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a number or auto, got "${text}"`);
  }
  const checked = RequestedHyperparameters.shape[key].unwrap().safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    // a number the schema refuses by type, not range (a number reaches here): a fraction where a whole number is taken
    const message = issue?.code === "invalid_union" ? "expected a whole number, or auto" : (issue?.message ?? "invalid");
    throw new InvalidArgumentError(`${key}: ${message}`);
  }
  return checked.data;
}

const PLACEHOLDER: Record<HyperparameterName, string> = {
  n_epochs: "n|auto",
  batch_size: "n|auto",
  learning_rate_multiplier: "x|auto",
  prompt_loss_weight: "x|auto",
  early_stopping_patience: "n|auto",
  beta: "x|auto",
  training_type: "lora|full",
  lora_rank: "n|auto",
  lora_alpha: "x|auto",
  lora_dropout: "x|auto",
  lora_target_modules: "list|all-linear",
  base_quantization: "none|q8_0|q4_0",
};

const attribute = (flag: string) => flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const methodOption = () =>
  new Option("--method <method>", "supervised (chat examples) or dpo (preference pairs)").choices(TRAINING_METHODS).default("supervised");

/** One flag per hyperparameter taking one value (`exp create`). */
export function hyperparameterOptions(command: Command): Command {
  for (const [key, { flag, help }] of Object.entries(FLAGS) as Array<[HyperparameterName, { flag: string; help: string }]>)
    command.addOption(new Option(`${flag} <${PLACEHOLDER[key]}>`, help).argParser((text: string) => parseHyperparameter(key, text)));
  return command;
}

/** The values commander parsed for the hyperparameter flags the user gave, by hyperparameter (already checked). */
function given(options: object): Record<string, unknown> {
  const values = new Map(Object.entries(options));
  const out: Record<string, unknown> = {};
  for (const [key, { flag }] of Object.entries(FLAGS)) {
    const value = values.get(attribute(flag));
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The hyperparameters set with `hyperparameterOptions`' flags (the rest keep their defaults). */
export const chosenHyperparameters = (options: object) => given(options) as NonNullable<CreateExperiment["hyperparameters"]>;

/** The grid's axes set with `sweepOptions`' flags, each a list. */
export const chosenAxes = (options: object) => given(options) as Partial<Pick<SweepRequest, HyperparameterName>>;

/**
 * One flag per hyperparameter taking a list (`sweep`): comma lists of values, and for target modules a repeatable
 * flag (each a comma list of projections, or all-linear).
 */
export function sweepOptions(command: Command): Command {
  for (const [key, { flag, help }] of Object.entries(FLAGS) as Array<[HyperparameterName, { flag: string; help: string }]>) {
    if (key === "lora_target_modules") {
      command.addOption(
        new Option(`${flag} <list|all-linear>`, `${help}; repeat the flag to sweep over several sets`).argParser(
          (text: string, previous: unknown[] | undefined) => [...(previous ?? []), parseHyperparameter(key, text)],
        ),
      );
      continue;
    }
    command.addOption(
      new Option(`${flag} <list>`, `comma list: ${help}`).argParser((text: string) =>
        text.split(",").map((part) => parseHyperparameter(key, part)),
      ),
    );
  }
  return command;
}

/** `--concurrency`: experiments at once (exp run, sweep, demo). */
export const concurrencyOption = (fallback: number) =>
  new Option("--concurrency <n>", "experiments at once").argParser(positiveInteger).default(fallback);

/** What `runOptions` adds, as parsed. */
export interface RunOptions {
  seed?: number;
  provider: string;
}

/** `--seed` and `--provider`, shared by the commands that create experiments (the seed checked by core's schema). */
export function runOptions(command: Command): Command {
  return command
    .addOption(new Option("--seed <n>", "training seed (default 42)").argParser(checkedBy(finiteNumber, CreateExperiment.shape.seed)))
    .option("--provider <name>", "local (embedded engine), openai, or one from tunelab.config.json", "local");
}

/** `exp create`'s options as parsed (its hyperparameter flags are read with `chosenHyperparameters`). */
export interface CreateOptions extends RunOptions {
  dataset: string;
  model: string;
  project?: string;
  method: TrainingMethod;
  validation?: string;
  suffix?: string;
  name?: string;
  notes?: string;
  force?: boolean;
  run: boolean;
  dryRun?: boolean;
  trials?: number;
  temperature?: number;
}
