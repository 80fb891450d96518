import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chat, jsonl } from "../../test-support/temp-workspace.ts";
import { validateJsonl } from "./validate-file.ts";

const TOY = new URL("../../../../../examples/openai-cookbook/toy_chat_fine_tuning.jsonl", import.meta.url);

function issuesOf(text: string, options: { contextLimit?: number } = {}) {
  const { report } = validateJsonl(text, { fileName: "f.jsonl", ...options });
  return report.issues.map((i) => ({ severity: i.severity, code: i.code, line: i.line, path: i.path }));
}

const tenValid = Array.from({ length: 10 }, (_, i) => chat(`ticket ${i}`, "{}"));

describe("OpenAI's data-preparation checks on the cookbook's toy file", () => {
  const text = readFileSync(TOY, "utf8");

  it("finds the format valid and warns as OpenAI's guide does", () => {
    const { report } = validateJsonl(text, { fileName: "toy_chat_fine_tuning.jsonl", contextLimit: 4096 });
    expect(report.errors).toBe(0);
    expect(report.examples).toBe(5);
    expect(issuesOf(text, { contextLimit: 4096 })).toEqual([
      { severity: "warning", code: "too_few_examples", line: undefined, path: undefined },
      { severity: "warning", code: "missing_system_message", line: 3, path: undefined },
      { severity: "warning", code: "missing_user_message", line: 4, path: undefined },
      { severity: "warning", code: "over_context_limit", line: 5, path: undefined },
    ]);
  });

  it("counts tokens with OpenAI's tokenizer: 'Eat a banana!' x 2000 is 8,000 assistant tokens", () => {
    for (const encoding of ["o200k_base", "cl100k_base"] as const) {
      const { report } = validateJsonl(text, { fileName: "toy", encoding });
      expect(report.stats.assistantTokensPerExample.max).toBe(8000);
      expect(report.stats.messagesPerExample).toMatchObject({ min: 2, max: 9, mean: 3.8 });
      // line 5 is under the default 16,385-token context
      expect(report.stats.overContextLimit).toBe(0);
      // 5 examples: OpenAI's rule raises epochs to floor(100 / 5) = 20
      expect(report.stats.epochs).toBe(20);
    }
  });
});

describe("errors name the line, the field and what was expected", () => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ["not json", "{oops", "invalid_json", undefined],
    ["not an object", "[1, 2]", "data_type", undefined],
    ["no messages", JSON.stringify({ prompt: "hi", completion: "yo" }), "missing_messages_list", "messages"],
    ["messages not a list", JSON.stringify({ messages: "hi" }), "missing_messages_list", "messages"],
    [
      "message without role",
      JSON.stringify({ messages: [{ content: "hi" }, { role: "assistant", content: "x" }] }),
      "message_missing_key",
      "messages[0].role",
    ],
    [
      "unknown message key",
      JSON.stringify({
        messages: [
          { role: "user", content: "hi", mood: "ok" },
          { role: "assistant", content: "x" },
        ],
      }),
      "message_unrecognized_key",
      "messages[0]",
    ],
    [
      "unknown role",
      JSON.stringify({
        messages: [
          { role: "bot", content: "hi" },
          { role: "assistant", content: "x" },
        ],
      }),
      "unrecognized_role",
      "messages[0].role",
    ],
    [
      "user without content",
      JSON.stringify({ messages: [{ role: "user" }, { role: "assistant", content: "x" }] }),
      "message_missing_key",
      "messages[0]",
    ],
    [
      "empty assistant content",
      JSON.stringify({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "" },
        ],
      }),
      "missing_content",
      "messages[1].content",
    ],
    [
      "no assistant",
      JSON.stringify({
        messages: [
          { role: "system", content: "s" },
          { role: "user", content: "hi" },
        ],
      }),
      "example_missing_assistant_message",
      "messages",
    ],
    [
      "bad weight",
      JSON.stringify({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "x", weight: 2 },
        ],
      }),
      "invalid_weight",
      "messages[1].weight",
    ],
    [
      "weight on user",
      JSON.stringify({
        messages: [
          { role: "user", content: "hi", weight: 0 },
          { role: "assistant", content: "x" },
        ],
      }),
      "invalid_weight",
      "messages[0].weight",
    ],
    [
      "tool arguments not JSON",
      JSON.stringify({
        messages: [
          { role: "user", content: "weather?" },
          { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{city:" } }] },
        ],
      }),
      "invalid_tool_call",
      "messages[1].tool_calls[0].function.arguments",
    ],
    [
      "image in assistant message",
      JSON.stringify({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] },
        ],
      }),
      "image_in_assistant_message",
      "messages[1].content[0].image_url.url",
    ],
    [
      "gif image",
      JSON.stringify({
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/gif;base64,R0lGOD" } }] },
          { role: "assistant", content: "x" },
        ],
      }),
      "invalid_image",
      "messages[0].content[0].image_url.url",
    ],
  ];

  it.each(cases)("%s", (_name, line, code, path) => {
    const text = jsonl([...tenValid, line]);
    const errors = validateJsonl(text, { fileName: "f.jsonl" }).report.issues.filter((i) => i.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code, line: 11, ...(path ? { path } : {}) });
    expect(errors[0]?.message.length).toBeGreaterThan(10);
  });

  it("reports an empty line in the middle but accepts the final newline", () => {
    expect(issuesOf(jsonl([...tenValid.slice(0, 5), "", ...tenValid.slice(5)]))).toEqual([
      { severity: "error", code: "empty_line", line: 6, path: undefined },
    ]);
  });

  it("limits images to 10 per example", () => {
    const image = { type: "image_url", image_url: { url: "https://x.test/a.jpg" } };
    const line = JSON.stringify({
      messages: [
        { role: "user", content: Array(11).fill(image) },
        { role: "assistant", content: "x" },
      ],
    });
    const codes = issuesOf(jsonl([...tenValid, line])).filter((i) => i.severity === "error");
    expect(codes).toEqual([{ severity: "error", code: "too_many_images", line: 11, path: undefined }]);
  });

  it("refuses a file that mixes formats, naming the odd lines", () => {
    const dpo = JSON.stringify({
      input: { messages: [{ role: "user", content: "hi" }] },
      preferred_output: [{ role: "assistant", content: "hello" }],
      non_preferred_output: [{ role: "assistant", content: "go away" }],
    });
    const issues = issuesOf(jsonl([...tenValid, dpo]));
    expect(issues.filter((i) => i.severity === "error")).toEqual([{ severity: "error", code: "mixed_formats", line: 11, path: undefined }]);
  });

  it("warns about duplicates, pointing at the first occurrence", () => {
    const { report } = validateJsonl(jsonl([...tenValid, tenValid[3] ?? ""]), { fileName: "f" });
    expect(report.issues).toEqual([expect.objectContaining({ code: "duplicate_example", line: 11, lines: [4] })]);
  });
});

describe("formats", () => {
  it("accepts DPO lines", () => {
    const dpo = (i: number) =>
      JSON.stringify({
        input: { messages: [{ role: "user", content: `question ${i}` }] },
        preferred_output: [{ role: "assistant", content: "good" }],
        non_preferred_output: [{ role: "assistant", content: "bad" }],
      });
    const { report } = validateJsonl(jsonl(Array.from({ length: 10 }, (_, i) => dpo(i))), { fileName: "dpo" });
    expect(report).toMatchObject({ format: "preference", errors: 0, examples: 10 });
  });

  it("accepts RFT lines whose extra keys are item fields, without an assistant message", () => {
    const rft = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `2+${i}?` }], answer: String(2 + i) });
    const { report } = validateJsonl(jsonl(Array.from({ length: 10 }, (_, i) => rft(i))), { fileName: "rft" });
    expect(report).toMatchObject({ format: "reinforcement", errors: 0, examples: 10 });
  });

  it("accepts tool-calling SFT lines with tools and parallel_tool_calls", () => {
    const line = JSON.stringify({
      messages: [
        { role: "user", content: "weather in Paris?" },
        {
          role: "assistant",
          tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "c1", content: "18C" },
        { role: "assistant", content: "18C in Paris", weight: 1 },
      ],
      tools: [
        { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
      ],
      parallel_tool_calls: false,
    });
    const { report } = validateJsonl(jsonl([...tenValid, line]), { fileName: "tools" });
    expect(report.errors).toBe(0);
  });
});
