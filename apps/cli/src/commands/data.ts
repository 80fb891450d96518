import type { Command } from "commander";
import type { GlobalOptions } from "../output.ts";
import { registerDataBrowse } from "./data-browse.ts";
import { registerDataImport } from "./data-import.ts";
import { registerDataValidate } from "./data-validate.ts";

/** `tunelab data …`: validate, import, and browse dataset versions. */
export function registerData(program: Command, globals: () => GlobalOptions): void {
  const data = program.command("data").description("datasets: validate, import, list, show, diff, export");
  registerDataValidate(data, globals);
  registerDataImport(data, globals);
  registerDataBrowse(data, globals);
}
