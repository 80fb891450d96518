import { type Command, CommanderError } from "commander";
import { buildProgram } from "../src/program.ts";
import { HOLE } from "./suggested-commands.ts";

const PARSED = new Error("parsed");

/**
 * Parses `argv` (the words after `tunelab`) against the real program definition, stopping before any action runs:
 * null when commander accepts it (the command exists, its required arguments and options are given, every option is
 * known and its value allowed), else commander's message. A hole given to an option with choices stands for its first.
 */
export async function parseError(argv: string[]): Promise<string | null> {
  const program = await buildProgram();
  let output = "";
  const silence = (command: Command) => {
    command.configureOutput({
      writeOut: (s) => {
        output += s;
      },
      writeErr: (s) => {
        output += s;
      },
    });
    for (const child of command.commands) silence(child);
  };
  silence(program);
  program.hook("preAction", () => {
    throw PARSED;
  });
  try {
    await program.parseAsync(fillChoices(program, argv), { from: "user" });
    return `no action ran: ${output.split("\n")[0] ?? ""}`;
  } catch (error) {
    if (error === PARSED) return null;
    if (error instanceof CommanderError)
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? null : error.message;
    throw error;
  }
}

function fillChoices(program: Command, argv: string[]): string[] {
  const filled = [...argv];
  let command = program;
  for (let i = 0; i < filled.length; i++) {
    const word = filled[i] ?? "";
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) {
      command = sub;
      continue;
    }
    const option = command.options.find((o) => o.long === word || o.short === word);
    if (option?.argChoices && filled[i + 1] === HOLE) filled[i + 1] = option.argChoices[0] ?? HOLE;
  }
  return filled;
}
