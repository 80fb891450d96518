import type { Command, CommanderError } from "commander";

/**
 * With --json, a usage error (unknown option, bad option value, missing argument or subcommand) is reported on stdout
 * as `{"error":{"code":"usage","message":…}}`, like every other error: commander writes nothing to stderr then (no
 * message, no help dump). Help asked for (`--help`) still goes to stdout.
 */
export function quietUsageErrors(command: Command): void {
  command.configureOutput({ writeErr: () => {}, outputError: () => {} }).showHelpAfterError(false);
  for (const child of command.commands) quietUsageErrors(child);
}

/**
 * Commander's message as one line without its `error: ` prefix; for a command group run without its subcommand
 * (commander only shows the help then) a sentence naming the subcommands.
 */
export function usageMessage(program: Command, argv: readonly string[], error: CommanderError): string {
  if (error.code === "commander.help") {
    const command = commandNamed(program, argv);
    const path = [...ancestors(command)].reverse().join(" ");
    const subcommands = command.commands.map((c) => c.name()).filter((name) => name !== "help");
    return `${path} needs a ${command === program ? "command" : "subcommand"}: ${subcommands.join(", ")} (see \`${path} --help\`)`;
  }
  return error.message
    .replace(/^error: /, "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}

/** The deepest command `argv` names (its words matched against subcommand names and aliases, options skipped). */
function commandNamed(program: Command, argv: readonly string[]): Command {
  let command = program;
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    command = sub;
  }
  return command;
}

function* ancestors(command: Command): Generator<string> {
  for (let c: Command | null = command; c; c = c.parent) yield c.name();
}
