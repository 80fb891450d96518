import { TunelabError } from "@tunelab/base";
import { codeGraders, type GraderConfig } from "@tunelab/evals";

/** What was about to happen with a grader that runs code. */
export type CodeGraderAction = "register" | "run" | "try";

/**
 * The trust model for code: python and custom graders run code as the server's user, so over HTTP they are
 * registered, tried or run only when `tunelab serve --allow-code-graders` opted in. The CLI (the user running their
 * own code) is not affected. Throws `code_graders_disabled` (403), naming the graders and how to enable them.
 */
export function assertCodeGradersAllowed(configs: readonly GraderConfig[], allowed: boolean, action: CodeGraderAction): void {
  if (allowed) return;
  const found = codeGraders(configs);
  if (found.length === 0) return;
  const names = found.map((g) => `"${g.name}" (${g.type})`).join(", ");
  const what = found.length === 1 ? `grader ${names} runs` : `graders ${names} run`;
  const cli =
    action === "register"
      ? "`tunelab graders add FILE`"
      : action === "try"
        ? "`tunelab graders test --grader FILE --sample TEXT`"
        : "the CLI (`tunelab eval --model M`, `tunelab exp run ID`)";
  throw new TunelabError(
    "code_graders_disabled",
    `the ${what} code on the server, and this server does not ${action} code graders over HTTP: ` +
      `restart it with \`tunelab serve --allow-code-graders\` (only when you trust every client that can reach it), or use ${cli}`,
    { details: { graders: found } },
  );
}
