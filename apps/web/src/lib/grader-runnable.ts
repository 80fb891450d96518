/** Why a grader cannot be tried in the browser, said before anyone presses Grade. */
export interface CannotRunHere {
  /** The grader's name (a `multi`'s sub-grader as `multi.graders.key`). */
  grader: string;
  type: string;
  /** `code`: runs code on the server, which refuses it over HTTP; `model`: calls a model, and the try box has no provider. */
  kind: "code" | "model";
  /** One sentence: what the grader does that the try box cannot. */
  why: string;
  /** Where it does run. */
  where: string;
}

type Config = Record<string, unknown>;

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The command that tries a code grader in a terminal, with the box's sample and item (one line each). */
export function cliTestCommand(config: Config, sample: string, item: string): string {
  // a custom grader by its module; any other grader as inline JSON
  const grader = config.type === "custom" && typeof config.path === "string" ? config.path : JSON.stringify(config);
  let line = item;
  try {
    line = JSON.stringify(JSON.parse(item));
  } catch {
    // the box's text as it is
  }
  return `tunelab graders test --grader ${shellQuote(grader)} --sample ${shellQuote(sample)} --item ${shellQuote(line)}`;
}

function check(config: Config, name: string, allowCodeGraders: boolean): CannotRunHere[] {
  const type = String(config.type);
  if ((type === "custom" || type === "python") && !allowCodeGraders) {
    const what = type === "custom" ? `the module ${String(config.path ?? "")}` : "its Python source";
    return [
      {
        grader: name,
        type,
        kind: "code",
        why: `runs code (${what}) on the server, and this server does not run code graders for web pages`,
        where:
          type === "custom"
            ? "in a terminal with `tunelab graders test --grader FILE --sample TEXT` (below, filled in), in eval runs, or here once the server is started with `tunelab serve --allow-code-graders` (only when you trust every client that can reach it)"
            : "in a terminal with `tunelab graders test --grader FILE --sample TEXT` (below, filled in), in eval runs, or here once the server is started with `tunelab serve --allow-code-graders`",
      },
    ];
  }
  if (type === "score_model" || type === "label_model") {
    return [
      {
        grader: name,
        type,
        kind: "model",
        why: `asks the model ${String(config.model ?? "")} for its grade, and trying a grader here calls no provider`,
        where: "in eval runs (experiments, `tunelab eval --model M`), which call the project's provider",
      },
    ];
  }
  if (type === "text_similarity" && config.evaluation_metric === "cosine") {
    return [
      {
        grader: name,
        type,
        kind: "model",
        why: "compares embeddings from a provider's embeddings endpoint, and trying a grader here calls no provider",
        where: "in eval runs (experiments, `tunelab eval --model M`), which call the project's provider",
      },
    ];
  }
  if (type === "multi" && config.graders && typeof config.graders === "object") {
    return Object.entries(config.graders as Record<string, Config>).flatMap(([key, sub]) =>
      sub && typeof sub === "object" ? check(sub, `${name}.graders.${key}`, allowCodeGraders) : [],
    );
  }
  return [];
}

/** Empty when the grader can be tried here; otherwise what stops it (nested `multi` graders included). */
export function cannotRunHere(config: unknown, allowCodeGraders: boolean): CannotRunHere[] {
  if (!config || typeof config !== "object" || Array.isArray(config)) return [];
  const c = config as Config;
  return check(c, typeof c.name === "string" ? c.name : String(c.type), allowCodeGraders);
}
