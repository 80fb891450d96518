import type { Command } from "commander";

/** Examples shown under `--help` for commands that do not declare their own. */
const EXAMPLES: Record<string, string[]> = {
  init: ["tunelab init --project ticket-router"],
  "project list": ["tunelab project list --json"],
  "project create": ["tunelab project create ticket-router --description 'route support tickets'"],
  "project show": ["tunelab project show ticket-router"],
  "data list": ["tunelab data list --project ticket-router"],
  "data show": ["tunelab data show train@2", "tunelab data show test@1 --json"],
  "data diff": ["tunelab data diff train@1 train@2"],
  "data export": ["tunelab data export train@2 -o train-v2.jsonl"],
  "graders list": ["tunelab graders list"],
  "graders remove": ["tunelab graders remove exact"],
  "exp run": ["tunelab exp run exp_0abc123 exp_0def456 --concurrency 2"],
  "exp list": ["tunelab exp list --json"],
  "exp show": ["tunelab exp show exp_0abc123"],
  "exp cancel": ["tunelab exp cancel exp_0abc123"],
  "exp delete": ["tunelab exp delete exp_0abc123 exp_0def456"],
  "exp logs": ["tunelab exp logs exp_0abc123 --follow"],
  baseline: ["tunelab baseline --model local-small", "tunelab baseline --model gpt-4o-mini --provider openai"],
  leaderboard: [
    "tunelab leaderboard",
    "tunelab leaderboard --sort cost --dataset train@2 --json",
    "tunelab leaderboard --model SmolLM2-135M-Instruct --method dpo",
    "tunelab leaderboard --limit 20 --offset 20   # the second page of 20",
  ],
  compare: [
    "tunelab compare exp_0abc123 exp_0def456",
    "tunelab compare 'baseline local-small' 1   # by name and by leaderboard rank",
    "tunelab compare run_0abc123 run_0def456 --items 20",
  ],
  "models list": ["tunelab models list", "tunelab models list --tuned --checkpoints", "tunelab models list --bases --json"],
  "models show": ["tunelab models show SmolLM2-135M-Instruct"],
  "models remove": ["tunelab models remove SmolLM2-135M-Instruct"],
  serve: ["tunelab serve", "TUNELAB_TOKEN=secret tunelab serve --host 0.0.0.0 --port 8787"],
  worker: ["tunelab worker --concurrency 2", "tunelab worker --kinds eval --json"],
  "users add": ["tunelab users add ana --role editor"],
  "users list": ["tunelab users list --json"],
  "users remove": ["tunelab users remove ana"],
  demo: ["tunelab demo", "tunelab demo --model local-tiny --epochs 2   # a quick, weaker run"],
};

function path(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export function addExamples(command: Command): void {
  const examples = EXAMPLES[path(command)];
  if (examples) command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  ${e}`).join("\n")}`);
  for (const child of command.commands) addExamples(child);
}
