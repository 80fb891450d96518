import { describe, expect, it } from "vitest";
import { buildProgram } from "../program.ts";

describe("tunelab eval --help", () => {
  it("says --max-drop is an absolute drop of the primary metric's mean (0.02 = 2 points), not a relative one", async () => {
    const program = await buildProgram();
    const evalCommand = program.commands.find((c) => c.name() === "eval");
    const option = evalCommand?.options.find((o) => o.long === "--max-drop");
    expect(option?.description).toContain("absolute");
    expect(option?.description).toContain("0.02 = 2 points");
    let text = "";
    evalCommand?.configureOutput({ writeOut: (s) => (text += s) });
    evalCommand?.outputHelp();
    expect(text.replace(/\s+/g, " ")).toContain("absolute, in the metric's units (0.02 = 2 points on a 0..1 metric, not 2%)");
  });
});
