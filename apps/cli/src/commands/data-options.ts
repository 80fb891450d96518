import { Encoding } from "@tunelab/core";
import { Option } from "commander";
import { positiveInteger } from "../option-parsers.ts";

/** `--encoding`: the tokenizer of token counts (data validate, data import, split). */
export const encodingOption = () =>
  new Option("--encoding <name>", "tokenizer for token counts").choices(Encoding.options).default("o200k_base");

/** `--context`: the context limit per example, in tokens (data validate, data import). */
export const contextOption = () =>
  new Option("--context <tokens>", "context limit per example (warns above it)").argParser(positiveInteger).default(16_385, "16385");
