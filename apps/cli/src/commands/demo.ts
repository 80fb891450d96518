import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { diffVersions, getProjectByName, importDataset, resolveHome, setTestSplit, TunelabError } from "@tunelab/core";
import type { Command } from "commander";
import { withWorkspace } from "../context.ts";
import { color, emit, type GlobalOptions } from "../output.ts";
import { renderReport } from "../render/report.ts";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/ticket-routing/", import.meta.url));

/** The offline walk-through on the bundled ticket-routing data. */
export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command("demo")
    .description("offline walk-through on the bundled ticket-routing example")
    .option("-p, --project <name>", "project to fill", "ticket-router")
    .action(async (options: { project: string }) => {
      const out: string[] = [];
      const say = (line: string) => {
        out.push(line);
        if (!globals().json) process.stdout.write(`${line}\n`);
      };
      const file = (name: string) => {
        try {
          return { text: readFileSync(`${EXAMPLES}${name}`, "utf8"), fileName: `examples/ticket-routing/${name}` };
        } catch (error) {
          throw new TunelabError("io_error", `example file missing: ${EXAMPLES}${name}`, { cause: error });
        }
      };
      await withWorkspace(async (ws) => {
        say(color.bold(`tunelab demo · project ${options.project} · home ${resolveHome()}\n`));
        say(color.bold("1. The fixed test split every experiment is scored on"));
        const split = await setTestSplit(ws, { project: options.project, ...file("test.jsonl"), message: "fixed test tickets" });
        if (split.status === "invalid") throw new TunelabError("validation_failed", renderReport(split.report));
        say(
          `${split.status === "created" ? "✔ stored" : "= already stored as"} ${color.bold(split.test.ref)} (${split.test.exampleCount} items)\n`,
        );

        const versions = [];
        for (const [step, name, message] of [
          [2, "train-v1.jsonl", "first 120 labelled tickets"],
          [3, "train-v2.jsonl", "grown to 480 tickets"],
        ] as const) {
          say(color.bold(`${step}. Import ${name} as the next version of dataset "train"`));
          const result = await importDataset(ws, { project: options.project, dataset: "train", message, ...file(name) });
          if (result.status === "invalid") throw new TunelabError("validation_failed", renderReport(result.report));
          say(`${result.status === "created" ? "✔ stored" : "= unchanged, already"} ${color.bold(result.version.ref)}`);
          say(renderReport(result.report));
          say("");
          versions.push(result.version);
        }
        const [v1, v2] = versions;
        if (v1 && v2) {
          const diff = await diffVersions(ws, v1, v2);
          say(
            color.bold(
              `3. What changed: ${diff.from} → ${diff.to}: +${diff.added.length} -${diff.removed.length} examples (${diff.unchanged} unchanged)`,
            ),
          );
        }
        const project = await getProjectByName(ws.db, options.project);
        say(
          `\nNext: \`tunelab data list --project ${project.name}\`, \`tunelab data show train@2\`, \`tunelab data diff train@1 train@2\`.`,
        );
        say("Training, graders and the leaderboard arrive with the engine, evals and experiments issues.");
        emit(globals(), { project: project.name, testSplit: split.test.ref, versions: versions.map((v) => v.ref) }, () => "");
      });
    });
}
