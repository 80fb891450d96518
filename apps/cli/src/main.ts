import { CommanderError } from "commander";
import { EXIT } from "./exit-codes.ts";
import { color } from "./output.ts";
import { programFor } from "./program.ts";
import { quietUsageErrors, usageMessage } from "./usage-error.ts";

// `tunelab … | head` closes the pipe early: the rest of the output has no reader, which is no failure of the command
// (before, an unhandled EPIPE printed a stack trace). The command's exit code stands.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const argv = process.argv.slice(2);
const json = argv.includes("--json");
// Only the modules of the command being run are loaded (the root help and --version load none).
const program = await programFor(argv);
if (json) quietUsageErrors(program);
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
    // help asked for and the version are not failures; commander has already printed them
    if (error.exitCode === 0) return EXIT.ok;
    // a usage error: commander has printed its message (and the help) to stderr, unless --json asked for this instead
    if (json)
      process.stdout.write(`${JSON.stringify({ error: { code: "usage", message: usageMessage(program, argv, error) } }, null, 2)}\n`);
    return EXIT.error;
  }
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
