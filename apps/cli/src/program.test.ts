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
