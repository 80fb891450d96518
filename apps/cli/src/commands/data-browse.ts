import { writeFileSync } from "node:fs";
import { diffVersions, getProjectByName, getVersionByRef, listDatasets, listVersions, loadVersionText, TunelabError } from "@tunelab/core";
import type { Command } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { color, count, emit, formatNumber, type GlobalOptions, table } from "../output.ts";
import { checkOutputFile } from "../output-path.ts";
import { renderReport } from "../render/report.ts";

const projectOption = ["-p, --project <name>", "project (default: the only project)"] as const;

export function registerDataBrowse(data: Command, globals: () => GlobalOptions): void {
  data
    .command("list")
    .description("datasets and their versions")
    .option(...projectOption)
    .action(async (options: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, options.project));
        const versions = (await Promise.all((await listDatasets(ws.db, project.id)).map((d) => listVersions(ws.db, d.id)))).flat();
        const rows = versions.map((v) => ({
          ref: v.ref,
          examples: v.exampleCount,
          format: v.format,
          tokens: v.stats.tokensPerExample.total,
          warnings: v.report.warnings,
          hash: v.contentHash.slice(0, 12),
          created: v.createdAt,
          message: v.message,
        }));
        emit(globals(), { project: project.name, versions: rows }, () =>
          rows.length === 0
            ? `project ${project.name} has no datasets yet: \`tunelab data import FILE --dataset train\``
            : table(
                ["version", "examples", "format", "tokens", "warnings", "hash", "created", "message"],
                rows.map((r) => [
                  color.bold(r.ref),
                  formatNumber(r.examples),
                  r.format,
                  formatNumber(r.tokens),
                  r.warnings,
                  r.hash,
                  r.created.slice(0, 19).replace("T", " "),
                  r.message,
                ]),
              ),
        );
      });
    });

  data
    .command("show")
    .description("one version: its stats and validation report")
    .argument("<ref>", "NAME@N (or NAME for the latest)")
    .option(...projectOption)
    .action(async (ref: string, options: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, options.project));
        const version = await getVersionByRef(ws.db, project.id, ref);
        emit(globals(), version, () => {
          const parent = version.parentId ? ` · parent ${version.name}@${version.number - 1}` : "";
          return [
            `${color.bold(version.ref)} · ${version.format} · ${count(version.exampleCount, "example")} · ${formatNumber(version.byteSize)} bytes${parent}`,
            `sha256 ${version.contentHash}`,
            `created ${version.createdAt}${version.message ? ` · "${version.message}"` : ""}${version.source ? ` · from ${version.source}` : ""}`,
            "",
            renderReport(version.report),
          ].join("\n");
        });
      });
    });

  data
    .command("diff")
    .description("examples added and removed between two versions")
    .argument("<from>", "NAME@N")
    .argument("<to>", "NAME@N")
    .option(...projectOption)
    .action(async (fromRef: string, toRef: string, options: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, options.project));
        const [from, to] = [await getVersionByRef(ws.db, project.id, fromRef), await getVersionByRef(ws.db, project.id, toRef)];
        const diff = await diffVersions(ws, from, to);
        emit(globals(), diff, () => {
          const head = `${diff.from} → ${diff.to}: ${color.green(`+${diff.added.length}`)} ${color.red(`-${diff.removed.length}`)} (${diff.unchanged} unchanged)`;
          const show = (sign: string, paint: (s: string) => string, entries: typeof diff.added) =>
            entries.slice(0, 20).map((e) => paint(`${sign} line ${e.line}: ${preview(e.example)}`));
          const more = diff.added.length + diff.removed.length > 40 ? [color.dim("  … use --json for every example")] : [];
          return [head, ...show("+", color.green, diff.added), ...show("-", color.red, diff.removed), ...more].join("\n");
        });
      });
    });

  data
    .command("export")
    .description("write a version's canonical JSONL to a file")
    .argument("<ref>", "NAME@N")
    .requiredOption("-o, --output <file>", "where to write")
    .option(...projectOption)
    .action(async (ref: string, options: { output: string; project?: string }) => {
      checkOutputFile(options.output, "-o/--output");
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, options.project));
        const version = await getVersionByRef(ws.db, project.id, ref);
        const text = await loadVersionText(ws, version);
        try {
          writeFileSync(options.output, text);
        } catch (error) {
          throw new TunelabError("io_error", `cannot write ${options.output}: ${(error as Error).message}`, { cause: error });
        }
        emit(
          globals(),
          { ref: version.ref, file: options.output, examples: version.exampleCount, sha256: version.contentHash },
          () => `✔ wrote ${version.ref} (${count(version.exampleCount, "example")}) to ${options.output}`,
        );
      });
    });
}

function preview(example: unknown): string {
  const messages = (example as { messages?: Array<{ role: string; content?: unknown }> }).messages;
  const user = messages?.findLast((m) => m.role === "user");
  const text = typeof user?.content === "string" ? user.content : JSON.stringify(example);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}
