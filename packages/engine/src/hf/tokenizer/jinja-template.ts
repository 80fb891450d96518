import { Template } from "@huggingface/jinja";

/**
 * Filters that, in Python's jinja2 (what transformers and vLLM render chat templates with), read an undefined value as
 * the empty string: `x|trim` where `x` is undefined renders "" there, and @huggingface/jinja throws instead ("Cannot
 * apply filter "trim" to type: UndefinedValue"). Hermes 2 Pro's and Hermes 3's `tool_use` templates write
 * `param_fields.description|trim` for every parameter of every tool, described or not.
 */
const STRING_FILTERS = new Set(["trim", "upper", "lower", "capitalize", "title", "replace", "string", "length"]);
/**
 * `items`, which jinja2 gives no pairs for an undefined value: Hermes' templates write `tool.parameters.properties|items`,
 * and a tool without parameters (OpenAI's `parameters` is optional) threw here.
 */
const MAPPING_FILTERS = new Set(["items"]);

interface Node {
  type: string;
  [field: string]: unknown;
}

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";

/** The name of a filter node: `trim` in `x|trim`, `replace` in `x|replace("a", "b")`. */
function filterName(filter: unknown): string | undefined {
  if (!isNode(filter)) return undefined;
  if (filter.type === "Identifier") return filter.value as string;
  if (filter.type === "CallExpression" && isNode(filter.callee) && filter.callee.type === "Identifier")
    return filter.callee.value as string;
  return undefined;
}

/**
 * Rewrites, in place, each string filter applied to a variable or attribute lookup (`x|trim`, `a.b|lower`) to read
 * `(x if x is defined else "")`, and `items` to read `(x if x is defined else {})`, as jinja2's default Undefined does. Lookups have no side effects, so reading one twice
 * changes nothing else.
 */
function undefinedAsEmpty(node: Node): void {
  const visit = (value: unknown): void => {
    if (isNode(value)) undefinedAsEmpty(value);
    // statement lists, call arguments; an ObjectLiteral's value is a Map of key to value expressions
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value instanceof Map)
      for (const [key, item] of value) {
        visit(key);
        visit(item);
      }
  };
  for (const value of Object.values(node)) visit(value);
  if (node.type !== "FilterExpression") return;
  const name = filterName(node.filter) ?? "";
  const empty = STRING_FILTERS.has(name)
    ? { type: "StringLiteral", value: "" }
    : MAPPING_FILTERS.has(name)
      ? { type: "ObjectLiteral", value: new Map() }
      : undefined;
  const operand = node.operand;
  if (!empty || !isNode(operand) || (operand.type !== "Identifier" && operand.type !== "MemberExpression")) return;
  const defined = (value: unknown, negate = false) => ({
    type: "TestExpression",
    operand: value,
    negate,
    test: { type: "Identifier", value: "defined" },
  });
  // an attribute of an undefined value stays an error, as jinja2 raises reading it (`a.b|trim` with `a` undefined)
  const condition =
    operand.type === "MemberExpression"
      ? {
          type: "BinaryExpression",
          operator: { type: "Identifier", value: "or" },
          left: defined(operand),
          right: defined(operand.object, true),
        }
      : defined(operand);
  node.operand = { type: "Ternary", condition, trueExpr: operand, falseExpr: empty };
}

/**
 * A chat template compiled by @huggingface/jinja, with Python jinja2's reading of undefined values in string filters
 * (above), so that a template renders what transformers renders for the same messages.
 */
export function compileChatTemplate(source: string): Template {
  const template = new Template(source);
  undefinedAsEmpty(template.parsed as unknown as Node);
  return template;
}
