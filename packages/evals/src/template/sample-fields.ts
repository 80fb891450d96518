import type { Sample } from "../item.ts";

/** Every field of a sample, the `{{sample.*}}` namespace: exhaustive over `Sample` (a field added there must be added here). */
const FIELDS: { [K in keyof Required<Sample>]: true } = { output_text: true, output_json: true, output_tools: true };

/** Fields derived from the others when a template reads them: `choices` (see `sampleChoices`). */
export const DERIVED_SAMPLE_FIELDS = ["choices"] as const;

export const SAMPLE_FIELDS: readonly string[] = [...Object.keys(FIELDS), ...DERIVED_SAMPLE_FIELDS];
