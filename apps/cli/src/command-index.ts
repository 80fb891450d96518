import type { Command } from "commander";
import type { GlobalOptions } from "./output.ts";

type Register = (program: Command, globals: () => GlobalOptions) => void;

/** Top-level commands registered together by one module, with how the root help lists each of them. */
export interface CommandGroup {
  /** Each top-level command's name, its term in the root help (`name [options] <args>`) and its description. */
  commands: { name: string; term: string; description: string }[];
  /** Loads the module (and what it imports) only when one of these commands runs or shows its help. */
  load(): Promise<Register>;
}

/**
 * Every top-level command, in the order the root help lists them. The root help, `--version` and a mistyped command
 * load none of them; `tunelab X …` loads only X's group (apps/cli/test/lazy-commands.test.ts checks that both helps
 * read as the eager program's).
 */
export const COMMAND_GROUPS: CommandGroup[] = [
  {
    commands: [
      {
        name: "init",
        term: "init [options]",
        description: "create the tunelab home (.tunelab/ here, or $TUNELAB_HOME) and optionally a project",
      },
    ],
    load: async () => (await import("./commands/project.ts")).registerInit,
  },
  {
    commands: [{ name: "project", term: "project", description: "projects: one task being tuned each" }],
    load: async () => (await import("./commands/project.ts")).registerProject,
  },
  {
    commands: [{ name: "data", term: "data", description: "datasets: validate, import, list, show, diff, export" }],
    load: async () => (await import("./commands/data.ts")).registerData,
  },
  {
    commands: [
      {
        name: "split",
        term: "split [options] <file>",
        description: "set the project's frozen test split (test@N): a whole file, or a deterministic fraction of one",
      },
    ],
    load: async () => (await import("./commands/split.ts")).registerSplit,
  },
  {
    commands: [{ name: "graders", term: "graders", description: "the project's grader set: OpenAI grader JSON or custom grader modules" }],
    load: async () => (await import("./commands/graders.ts")).registerGraders,
  },
  {
    commands: [
      { name: "exp", term: "exp", description: "experiments: a dataset version + base model + hyperparameters, trained and scored" },
      {
        name: "baseline",
        term: "baseline [options]",
        description: "score a base model as is (no training), so the leaderboard shows what tuning bought",
      },
    ],
    load: async () => (await import("./commands/experiments.ts")).registerExperiments,
  },
  {
    commands: [
      {
        name: "sweep",
        term: "sweep [options]",
        description: "one experiment per point of a grid of datasets and hyperparameters, run with a concurrency limit",
      },
    ],
    load: async () => (await import("./commands/sweep.ts")).registerSweep,
  },
  {
    commands: [
      {
        name: "leaderboard",
        term: "leaderboard [options]",
        description:
          "experiments ranked by the primary metric, with 95% intervals, on the current (or --split's) test split and (or --graders') graders",
      },
      {
        name: "compare",
        term: "compare [options] <a> <b>",
        description: "A vs B on the same items: per-grader deltas with 95% intervals and p-values, then what regressed and improved",
      },
    ],
    load: async () => (await import("./commands/leaderboard.ts")).registerLeaderboard,
  },
  {
    commands: [
      {
        name: "samples",
        term: "samples [options] <ref>",
        description:
          "an eval run's samples as the web's item view shows them: input, output (tool calls too), reference, reasoning, grades and why they failed",
      },
    ],
    load: async () => (await import("./commands/samples.ts")).registerSamples,
  },
  {
    commands: [
      {
        name: "curve",
        term: "curve [options]",
        description:
          "learning curve: the primary metric against training-set size (or trained tokens) for experiments that differ only in data, fitted and projected",
      },
    ],
    load: async () => (await import("./commands/curve.ts")).registerCurve,
  },
  {
    commands: [
      {
        name: "eval",
        term: "eval [options]",
        description: "score any model on the project's test split with its graders; exit 1 when a gate fails (for CI)",
      },
    ],
    load: async () => (await import("./commands/eval.ts")).registerEval,
  },
  {
    commands: [
      {
        name: "models",
        term: "models",
        description:
          "the local engine's models: open-weight bases (Hugging Face checkpoints), local-* sizes, and tuned models to list, export or delete",
      },
    ],
    load: async () => (await import("./commands/models.ts")).registerModels,
  },
  {
    commands: [
      {
        name: "serve",
        term: "serve [options]",
        description: "the API, the web leaderboard and the engine's OpenAI-compatible /v1 on one port; resumes unfinished work",
      },
    ],
    load: async () => (await import("./commands/serve.ts")).registerServe,
  },
  {
    commands: [
      {
        name: "worker",
        term: "worker [options]",
        description:
          "claim and run queued and unfinished experiments and eval runs from the workspace database (beside `tunelab serve --no-worker`); a dead worker's work is taken over once its lease runs out",
      },
    ],
    load: async () => (await import("./commands/worker.ts")).registerWorker,
  },
  {
    commands: [
      {
        name: "users",
        term: "users",
        description: "who may use `tunelab serve`: viewers read, editors run experiments and import data, admins also manage code graders",
      },
    ],
    load: async () => (await import("./commands/users.ts")).registerUsers,
  },
  {
    commands: [
      {
        name: "demo",
        term: "demo [options]",
        description: "offline walk-through on the bundled ticket-routing example, on the embedded engine",
      },
    ],
    load: async () => (await import("./commands/demo.ts")).registerDemo,
  },
];
