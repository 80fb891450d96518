import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_GROUPS } from "./command-index.ts";
import { buildProgram, programFor } from "./program.ts";

const names = COMMAND_GROUPS.flatMap((group) => group.commands.map((c) => c.name));

describe("the program for one command line", () => {
  it("lists every top-level command in the root help as the whole program does, without loading any", async () => {
    const lazy = await programFor(["--help"]);
    const eager = await buildProgram();
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
    expect(eager.commands.map((c) => c.name())).toEqual(names);
    expect(lazy.commands.every((c) => c.commands.length === 0 && c.options.length === 0)).toBe(true);
  });

  it("holds the whole tree of the command named, and only that group's commands", async () => {
    const eager = await buildProgram();
    const find = (program: Command, name: string) => program.commands.find((c) => c.name() === name);
    for (const name of names) {
      const lazy = await programFor(["--json", name, "--help"]);
      const group = COMMAND_GROUPS.find((g) => g.commands.some((c) => c.name === name));
      expect(lazy.commands.map((c) => c.name())).toEqual(group?.commands.map((c) => c.name));
      expect(find(lazy, name)?.helpInformation()).toBe(find(eager, name)?.helpInformation());
    }
    expect((await programFor(["help", "eval"])).commands.map((c) => c.name())).toEqual(["eval"]);
  });
});

describe("help", () => {
  it("shows examples under every command's --help, as the README says", async () => {
    const leaves = (command: Command): Command[] =>
      command.commands.length === 0 ? [command] : command.commands.filter((c) => c.name() !== "help").flatMap(leaves);
    const missing: string[] = [];
    for (const command of leaves(await buildProgram())) {
      let text = "";
      command.configureOutput({ writeOut: (s) => (text += s) });
      command.outputHelp();
      if (!/^Examples?:/m.test(text)) missing.push(`${command.parent?.parent ? `${command.parent.name()} ` : ""}${command.name()}`);
    }
    expect(missing).toEqual([]);
  });
});
