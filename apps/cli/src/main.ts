import { CommanderError } from "commander";
import { EXIT } from "./exit-codes.ts";
import { color } from "./output.ts";
import { programFor } from "./program.ts";

// Only the modules of the command being run are loaded (the root help and --version load none).
const program = await programFor(process.argv.slice(2));
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = await report(error);
}
// A command is done when its action resolves (serve's resolves when it is stopped): exit once the output is
// flushed, so that no worker pool or timer left open by a library keeps the process alive.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write("", () => resolve()))));
process.exit(process.exitCode ?? 0);

async function report(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    // help and version are not failures; commander has already printed its message
    return error.code === "commander.helpDisplayed" || error.code === "commander.help" || error.code === "commander.version"
      ? EXIT.ok
      : EXIT.error;
  }
  const json = process.argv.includes("--json");
  const { isTunelabError } = await import("@tunelab/core"); // already loaded by the command that failed
  if (isTunelabError(error)) {
    if (json)
      process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }, null, 2)}\n`);
    else process.stderr.write(`${color.red("error:")} ${error.message}\n`);
    return error.code === "validation_failed" ? EXIT.checkFailed : EXIT.error;
  }
  process.stderr.write(`${color.red("internal error:")} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.error;
}
