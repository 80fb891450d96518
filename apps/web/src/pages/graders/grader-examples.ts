// The graders page's "try it" box starts from these configs, one per grader type.
const OUT = "{{sample.output_text}}";
const REF = "{{item.reference}}";
/** A starting config per type for the "try it" box. */
export const EXAMPLES: Record<string, object> = {
  string_check: { type: "string_check", name: "exact", input: OUT, reference: REF, operation: "eq" },
  text_similarity: {
    type: "text_similarity",
    name: "similar",
    input: OUT,
    reference: REF,
    evaluation_metric: "fuzzy_match",
    pass_threshold: 0.8,
  },
  json_valid: { type: "json_valid", name: "valid_json" },
  json_schema: { type: "json_schema", name: "schema", schema: { type: "object", required: ["category"] } },
  json_match: { type: "json_match", name: "fields", fields: ["category", "priority"] },
  regex: { type: "regex", name: "has_category", pattern: '"category"' },
  numeric: { type: "numeric", name: "close", input: OUT, reference: REF, tolerance: { abs: 0.01 } },
  length: { type: "length", name: "short", max: 200 },
  multi: {
    type: "multi",
    name: "both",
    graders: { a: { type: "string_check", name: "a", input: OUT, reference: REF, operation: "eq" }, b: { type: "json_valid", name: "b" } },
    calculate_output: "(a + b) / 2",
  },
};
