import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import ts from "typescript";

/** A `tunelab …` command line that the product tells a user to type, and where it is written. */
export interface Suggestion {
  /** The command line as written, `${…}` and JSX `{…}` holes replaced by {@link HOLE}. */
  command: string;
  where: string;
}

/** What an interpolated hole (an id, a name, a file) stands for when a suggestion is parsed. */
export const HOLE = "X";

/**
 * Every suggestion in the source files under `roots` (`.ts`/`.tsx`, tests excluded), read from the syntax tree so that
 * only text a user sees counts, never comments: code spans (`` `tunelab …` `` inside a string, a template or JSX text),
 * `<code>tunelab …</code>` elements, and indented example lines of help texts (`"\n  tunelab …"`).
 */
export function suggestionsInSources(repo: string, roots: string[]): Suggestion[] {
  const found: Suggestion[] = [];
  for (const root of roots)
    for (const file of sourceFiles(join(repo, root))) {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, scriptKind(file));
      const add = (text: string, node: ts.Node, kind: "string" | "jsx" | "code") => {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        const commands = kind === "code" ? codeElement(text) : kind === "jsx" ? codeSpans(text) : commandsInText(text);
        for (const command of commands) found.push({ command, where: `${relative(repo, file)}:${line}` });
      };
      const visit = (node: ts.Node): void => {
        if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) add(node.text, node, "string");
        else if (ts.isTemplateExpression(node))
          add(node.head.text + node.templateSpans.map((s) => HOLE + s.literal.text).join(""), node, "string");
        else if (ts.isJsxElement(node)) {
          const tag = node.openingElement.tagName.getText(source);
          add(jsxText(node), node, tag === "code" ? "code" : "jsx");
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  return dedupe(found);
}

/** Command lines in the fenced `sh` blocks of a Markdown file (`pnpm tunelab …` or `tunelab …`). */
export function suggestionsInMarkdown(repo: string, file: string): Suggestion[] {
  const found: Suggestion[] = [];
  let fence: "shell" | "other" | null = null;
  readFileSync(join(repo, file), "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (text.startsWith("```")) fence = fence ? null : /^```(sh|bash|shell)?\s*$/.test(text) ? "shell" : "other";
      else if (fence === "shell") {
        const match = /^\s*(?:pnpm\s+)?(tunelab\s.*)$/.exec(text);
        if (match?.[1]) found.push({ command: cut(match[1]), where: `${file}:${index + 1}` });
      }
    });
  return found;
}

/** Example lines of every command's `--help` (what `tunelab X --help` prints), as a user reads them. */
export function suggestionsInHelp(program: Command): Suggestion[] {
  const found: Suggestion[] = [];
  const visit = (command: Command, path: string) => {
    let help = "";
    command.configureOutput({
      writeOut: (s) => {
        help += s;
      },
      writeErr: (s) => {
        help += s;
      },
    });
    command.outputHelp();
    for (const c of commandsInText(help)) found.push({ command: c, where: `tunelab ${path}--help` });
    for (const child of command.commands) visit(child, `${path}${child.name()} `);
  };
  visit(program, "");
  return dedupe(found);
}

/** The `` `tunelab …` `` code spans of what a command printed. */
export function suggestionsInOutput(text: string): string[] {
  return codeSpans(text);
}

/**
 * Code spans, and example lines of a text: indented or after a label (`next: tunelab …`), optionally after
 * `VAR=value` or `cmd … &&`.
 */
function commandsInText(text: string): string[] {
  const commands = codeSpans(text);
  for (const line of text.split("\n")) {
    const match = /^(?:\s+|\s*[a-z]+:\s+)(?:\S.*&&\s*|(?:[A-Z_]+=\S+\s+)+)?(tunelab\s[^`]*)$/.exec(line);
    if (match?.[1]) commands.push(cut(match[1]));
  }
  return commands.map((c) => c.trim());
}

/** `` `tunelab …` `` spans (a span wrapped over lines, as help text wraps, is read as one line). */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`(tunelab\s[^`]*)`/g)].map((m) => (m[1] ?? "").replace(/\s+/g, " ").trim());
}

function codeElement(text: string): string[] {
  const trimmed = text.trim();
  return trimmed.startsWith("tunelab ") ? [trimmed] : commandsInText(text);
}

/** A command line without what follows it on the same line: a comment, or a description after a gap of 3+ spaces. */
function cut(line: string): string {
  return line
    .replace(/\s+#\s.*$/, "")
    .split(/\s{3,}/)[0]
    ?.trim() as string;
}

function jsxText(node: ts.JsxElement): string {
  return node.children
    .map((child) => {
      if (ts.isJsxText(child)) return child.text.replace(/\s*\n\s*/g, " ");
      if (ts.isJsxExpression(child))
        return child.expression && ts.isStringLiteral(child.expression) ? child.expression.text : child.expression ? HOLE : "";
      return " "; // a nested element is read on its own
    })
    .join("");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.split(/[\\/]/).includes("node_modules"))
    .map((f) => join(dir, f))
    .sort();
}

function scriptKind(file: string): ts.ScriptKind {
  return file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

function dedupe(list: Suggestion[]): Suggestion[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const key = `${s.command}\u0000${s.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Shell words of a command line (quotes honoured), without `tunelab` itself; alternatives `a|b` give one line each. */
export function argvOf(command: string): string[][] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of command.matchAll(pattern)) words.push(match[1] ?? match[2]?.replace(/\\(.)/g, "$1") ?? match[3] ?? "");
  if (words[0] !== "tunelab") throw new Error(`not a tunelab command: ${command}`);
  let lines: string[][] = [[]];
  for (const word of words.slice(1)) {
    const choices = /^[\w@.-]+(\|[\w@.-]+)+$/.test(word) ? word.split("|") : [word];
    lines = lines.flatMap((line) => choices.map((choice) => [...line, choice]));
  }
  return lines;
}
