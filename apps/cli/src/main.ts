import { isTunelabError } from "@tunelab/core";
import { Command, CommanderError } from "commander";
import { registerDataBrowse } from "./commands/data-browse.ts";
import { registerDataImport } from "./commands/data-import.ts";
import { registerDataValidate } from "./commands/data-validate.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerEval } from "./commands/eval.ts";
import { registerExperiments } from "./commands/experiments.ts";
import { registerGraders } from "./commands/graders.ts";
import { registerLeaderboard } from "./commands/leaderboard.ts";
import { registerModels } from "./commands/models.ts";
import { registerInit, registerProject } from "./commands/project.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSplit } from "./commands/split.ts";
import { EXIT } from "./exit-codes.ts";
import { addExamples } from "./help-examples.ts";
import { color, type GlobalOptions } from "./output.ts";

const program = new Command("tunelab")
  .description("evaluation-first fine-tuning: datasets, experiments, graders, leaderboard")
  .option("--json", "machine-readable output")
  .showHelpAfterError()
  .addHelpText("after", "\nStart with `tunelab demo`, then `tunelab serve` to open the web leaderboard.");
const globals = (): GlobalOptions => program.opts<GlobalOptions>();

registerInit(program, globals);
registerProject(program, globals);
const data = program.command("data").description("datasets: validate, import, list, show, diff, export");
registerDataValidate(data, globals);
registerDataImport(data, globals);
registerDataBrowse(data, globals);
registerSplit(program, globals);
registerGraders(program, globals);
registerExperiments(program, globals);
registerLeaderboard(program, globals);
registerEval(program, globals);
registerModels(program, globals);
registerServe(program);
registerDemo(program, globals);

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) exitOverrideAll(child);
}
exitOverrideAll(program);
addExamples(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
// A command is done when its action resolves (serve's resolves when it is stopped): exit once the output is
// flushed, so that no worker pool or timer left open by a library keeps the process alive.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write("", () => resolve()))));
process.exit(process.exitCode ?? 0);

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // help and version are not failures; commander has already printed its message
    return error.code === "commander.helpDisplayed" || error.code === "commander.help" || error.code === "commander.version"
      ? EXIT.ok
      : EXIT.error;
  }
  const json = process.argv.includes("--json");
  if (isTunelabError(error)) {
    if (json)
      process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }, null, 2)}\n`);
    else process.stderr.write(`${color.red("error:")} ${error.message}\n`);
    return error.code === "validation_failed" ? EXIT.checkFailed : EXIT.error;
  }
  process.stderr.write(`${color.red("internal error:")} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.error;
}
