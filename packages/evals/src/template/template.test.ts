import { describe, expect, it } from "vitest";
import { GraderError } from "../grade.ts";
import { toEvalItem, toSample } from "../item.ts";
import { renderMessages } from "./messages.ts";
import { parsePath } from "./path.ts";
import { renderTemplate, resolveTemplate, resolveVariable, templateVariables } from "./render.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Route: my card was charged twice" },
      { role: "assistant", content: '{"category":"billing","priority":2}' },
    ],
    answer: { fields: ["amount", "date"], "odd key": 7 },
    empty: "",
    nothing: null,
  },
  0,
);
const sample = toSample('{"category":"billing","tags":["card"]}', [
  { id: "call_1", type: "function", function: { name: "refund", arguments: '{"amount":12}' } },
]);
const scope = { item, sample };

function graderError(fn: () => unknown): GraderError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraderError);
    return error as GraderError;
  }
  throw new Error("expected a GraderError");
}

describe("templates", () => {
  it("renders item and sample variables with optional spaces", () => {
    expect(renderTemplate("Q: {{item.input.messages[0].content}} A: {{ sample.output_text }}", scope)).toBe(
      'Q: Route: my card was charged twice A: {"category":"billing","tags":["card"]}',
    );
    expect(renderTemplate("{{item.reference}}", scope)).toBe('{"category":"billing","priority":2}');
    expect(renderTemplate("no variables", scope)).toBe("no variables");
  });

  it("follows JSON paths into objects, arrays and tool calls", () => {
    expect(renderTemplate("{{item.answer.fields[0]}}", scope)).toBe("amount");
    expect(renderTemplate('{{item.answer["odd key"]}}', scope)).toBe("7");
    expect(renderTemplate("{{sample.output_json.category}}", scope)).toBe("billing");
    expect(renderTemplate("{{sample.output_tools[0].function.name}}", scope)).toBe("refund");
    expect(renderTemplate("{{sample.output_tools[0].function.arguments}}", scope)).toBe('{"amount":12}');
    expect(renderTemplate("{{item.reference_json.priority}}", scope)).toBe("2");
  });

  it("renders non-string values as JSON", () => {
    expect(renderTemplate("{{item.answer.fields}}", scope)).toBe('["amount","date"]');
    expect(renderTemplate("{{sample.output_json}}", scope)).toBe('{"category":"billing","tags":["card"]}');
    expect(renderTemplate("[{{item.nothing}}] [{{item.empty}}]", scope)).toBe("[null] []");
  });

  it("resolves a lone variable to its raw value", () => {
    expect(resolveTemplate("{{ item.reference_json }}", scope)).toEqual({ category: "billing", priority: 2 });
    expect(resolveTemplate("x {{item.reference_json.priority}}", scope)).toBe("x 2");
    expect(resolveVariable("sample.output_json.tags", scope)).toEqual(["card"]);
  });

  it("names a missing variable with invalid_variable_error", () => {
    const missing = graderError(() => renderTemplate("{{item.answer.fields[5]}}", scope));
    expect(missing.type).toBe("invalid_variable_error");
    expect(missing.message).toContain("{{item.answer.fields[5]}}");
    expect(missing.message).toContain("missing item.answer.fields[5]");
    const deep = graderError(() => renderTemplate("{{item.nope.deeper}}", scope));
    expect(deep.message).toContain("missing item.nope");
    expect(graderError(() => renderTemplate("{{item.answer.fields.length}}", scope)).type).toBe("invalid_variable_error");
    expect(graderError(() => renderTemplate("{{item.constructor}}", scope)).type).toBe("invalid_variable_error");
    expect(graderError(() => renderTemplate("{{item.__proto__}}", scope)).type).toBe("invalid_variable_error");
  });

  it("rejects unknown namespaces and malformed expressions", () => {
    const namespace = graderError(() => renderTemplate("{{process.env.HOME}}", scope));
    expect(namespace.type).toBe("invalid_variable_error");
    expect(namespace.message).toContain('unknown template namespace "process"');
    expect(graderError(() => renderTemplate("{{ item.answer + 1 }}", scope)).type).toBe("invalid_variable_error");
    expect(graderError(() => renderTemplate("{{ }}", scope)).type).toBe("invalid_variable_error");
    expect(graderError(() => renderTemplate("{{item.x[abc]}}", scope)).message).toMatch(/bad index/);
    expect(graderError(() => parsePath("item..x")).type).toBe("invalid_variable_error");
  });

  it("renders the same from its cached compiled form, and fails in template order every time", () => {
    const template = "a {{item.answer.fields[0]}} b {{ sample.output_text }}{{item.answer.fields[1]}}";
    const first = renderTemplate(template, scope);
    expect(renderTemplate(template, scope)).toBe(first);
    expect(first).toBe(`a amount b ${String(resolveVariable("sample.output_text", scope))}date`);
    // a missing variable before a malformed one: the missing one is reported, on every render
    const ordered = "{{item.nope}} {{ item.answer + 1 }}";
    for (let i = 0; i < 2; i++) expect(graderError(() => renderTemplate(ordered, scope)).message).toContain("missing item.nope");
    const malformedFirst = "{{ item.answer + 1 }} {{item.nope}}";
    for (let i = 0; i < 2; i++)
      expect(graderError(() => renderTemplate(malformedFirst, scope)).message).toContain("invalid template variable");
    for (let i = 0; i < 2; i++)
      expect(graderError(() => resolveTemplate(" {{ item.answer + 1 }} ", scope)).type).toBe("invalid_variable_error");
  });

  it("renders sample.choices as OpenAI documents it: the output choices in the Chat Completions shape", () => {
    expect(renderTemplate("{{sample.choices[0].message.content}}", scope)).toBe(sample.output_text);
    expect(renderTemplate("{{sample.choices[0].message.role}} {{sample.choices[0].index}}", scope)).toBe("assistant 0");
    expect(renderTemplate("{{sample.choices[0].message.tool_calls[0].function.name}}", scope)).toBe("refund");
    const toolsOnly = toSample("", [{ id: "c", type: "function", function: { name: "refund", arguments: "{}" } }]);
    expect(resolveVariable("sample.choices[0].message.content", { item, sample: toolsOnly })).toBeNull();
    const plain = { item, sample: toSample("billing") };
    expect(resolveVariable("sample.choices", plain)).toEqual([{ index: 0, message: { role: "assistant", content: "billing" } }]);
    const missing = graderError(() => renderTemplate("{{sample.choices[0].message.tool_calls}}", plain));
    expect(missing.type).toBe("invalid_variable_error");
    expect(missing.message).toContain("missing sample.choices[0].message.tool_calls");
    expect(graderError(() => renderTemplate("{{sample.choices[1]}}", plain)).message).toContain("missing sample.choices[1]");
  });
  it("renders plain strings in a list of parts (OpenAI's GraderInputs) as text parts", () => {
    const rendered = renderMessages(
      [
        {
          role: "user",
          content: ["Answer: {{sample.output_json.category}}", { type: "input_image", image_url: "https://img.example/a.png" }],
        },
        { role: "user", content: ["Expected {{item.reference_json.category}}"] },
      ],
      scope,
    );
    expect(rendered).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Answer: billing" },
          { type: "image_url", image_url: { url: "https://img.example/a.png" } },
        ],
      },
      { role: "user", content: "Expected billing" },
    ]);
  });
  it("renders input_audio parts (templated base64 data, mp3 or wav) as Chat Completions input_audio parts", () => {
    const audio = toEvalItem({ messages: [], clip: "UklGRg==" }, 0);
    const rendered = renderMessages(
      [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Transcribe and grade: {{sample.output_text}}" },
            { type: "input_audio", input_audio: { data: "{{item.clip}}", format: "wav" } },
          ],
        },
      ],
      { item: audio, sample },
    );
    expect(rendered[0]?.content).toEqual([
      { type: "text", text: `Transcribe and grade: ${sample.output_text}` },
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
    ]);
  });
  it("reports sample_parse_error when output_json is read from a non-JSON output", () => {
    const error = graderError(() => renderTemplate("{{sample.output_json.category}}", { item, sample: toSample("billing") }));
    expect(error.type).toBe("sample_parse_error");
  });

  it("lists template variables", () => {
    expect(templateVariables("{{ item.a }} and {{sample.output_text}}")).toEqual(["item.a", "sample.output_text"]);
  });

  it("renders message lists: strings, text parts and images", () => {
    const rendered = renderMessages(
      [
        { role: "system", content: "Grade the answer to: {{item.input.messages[0].content}}" },
        { role: "user", content: { type: "input_text", text: "Answer: {{sample.output_json.category}}" } },
        {
          role: "user",
          type: "message",
          content: [
            { type: "input_text", text: "Expected {{item.reference_json.category}}" },
            { type: "input_image", image_url: "https://img.example/{{item.answer.fields[1]}}.png", detail: "low" },
          ],
        },
      ],
      scope,
    );
    expect(rendered).toEqual([
      { role: "system", content: "Grade the answer to: Route: my card was charged twice" },
      { role: "user", content: "Answer: billing" },
      {
        role: "user",
        content: [
          { type: "text", text: "Expected billing" },
          { type: "image_url", image_url: { url: "https://img.example/date.png", detail: "low" } },
        ],
      },
    ]);
  });
});
