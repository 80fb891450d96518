import { readFileSync } from "node:fs";
import { Command, Help } from "commander";
import { COMMAND_GROUPS, type CommandGroup } from "./command-index.ts";
import { addExamples } from "./help-examples.ts";
import type { GlobalOptions } from "./output.ts";

/** The whole command tree, as `tunelab` parses it (errors thrown as CommanderError rather than exiting). */
export async function buildProgram(): Promise<Command> {
  return programWith(COMMAND_GROUPS);
}

/**
 * The program `tunelab ARGV…` needs: the tree of the one top-level command named in `argv` (so only its modules load),
 * or, when `argv` names none (the root help, `--version`, a mistyped command), every top-level command as the root
 * help lists it, without loading any.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  const group = COMMAND_GROUPS.find((g) => g.commands.some((c) => c.name === name));
  if (group) return programWith([group]);
  const program = root();
  const terms = new Map<Command, string>();
  for (const { commands } of COMMAND_GROUPS)
    for (const { name, term, description } of commands) terms.set(program.command(name).description(description), term);
  program.configureHelp({ subcommandTerm: (command) => terms.get(command) ?? new Help().subcommandTerm(command) });
  return finish(program);
}

async function programWith(groups: CommandGroup[]): Promise<Command> {
  const registers = await Promise.all(groups.map((group) => group.load()));
  const program = root();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  for (const register of registers) register(program, globals);
  return finish(program);
}

function root(): Command {
  return new Command("tunelab")
    .description("evaluation-first fine-tuning: datasets, experiments, graders, leaderboard")
    .version(version(), "-V, --version", "print the version of tunelab")
    .option("--json", "machine-readable output")
    .showHelpAfterError()
    .addHelpText("after", "\nStart with `tunelab demo`, then `tunelab serve` to open the web leaderboard.");
}

function finish(program: Command): Command {
  exitOverrideAll(program);
  addExamples(program);
  return program;
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) exitOverrideAll(child);
}

/** The CLI package's own version (package.json), so that it cannot drift from what was installed. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
