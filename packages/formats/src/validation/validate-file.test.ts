import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chat, jsonl } from "../test-support/lines.ts";
import { validateJsonl } from "./validate-file.ts";

const TOY = new URL("../../../../examples/openai-cookbook/toy_chat_fine_tuning.jsonl", import.meta.url);

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

  it("keeps RFT detection for lines ending with a user message, even with a system message and a tool reply", () => {
    const rft = (i: number) =>
      JSON.stringify({
        messages: [
          { role: "developer", content: "Answer with a number." },
          { role: "user", content: `2+${i}?` },
        ],
        reference_answer: String(2 + i),
        tags: ["math"],
      });
    const { report } = validateJsonl(jsonl(Array.from({ length: 10 }, (_, i) => rft(i))), { fileName: "rft" });
    expect(report).toMatchObject({ format: "reinforcement", errors: 0, examples: 10 });
    expect(report.issueCounts.unrecognized_key).toBeUndefined();
  });

  it("reads chat lines that end with the assistant's answer as supervised data, warning that their extra keys are ignored", () => {
    const withMetadata = (i: number) => {
      const value = JSON.parse(chat(`ticket ${i}`, "{}")) as Record<string, unknown>;
      return JSON.stringify(i % 2 === 0 ? { ...value, metadata: { src: "crm" } } : { ...value, tags: ["billing"], metadata: {} });
    };
    const { report, format } = validateJsonl(jsonl(Array.from({ length: 10 }, (_, i) => withMetadata(i))), { fileName: "sft" });
    expect(format).toBe("supervised");
    expect(report).toMatchObject({ format: "supervised", errors: 0, examples: 10, warnings: 10 });
    expect(report.issues[0]).toMatchObject({ severity: "warning", code: "unrecognized_key", line: 1, path: "metadata" });
    expect(report.issues[0]?.message).toContain('top-level key "metadata" ignored');
    expect(report.issues[1]).toMatchObject({ code: "unrecognized_key", line: 2, path: "tags" });
    expect(report.issues[1]?.message).toContain('top-level keys "tags", "metadata" ignored');
  });

  it("lets a test split's lines carry item fields (tags, metadata) without a warning", () => {
    const tagged = (i: number) => JSON.stringify({ ...(JSON.parse(chat(`ticket ${i}`, "{}")) as object), tags: ["billing"] });
    const lines = jsonl(Array.from({ length: 10 }, (_, i) => tagged(i)));
    const { report } = validateJsonl(lines, { fileName: "test", itemFields: true });
    expect(report).toMatchObject({ format: "supervised", errors: 0, warnings: 0, examples: 10 });
  });

  it("still refuses an RFT line in a supervised file, saying what makes it one", () => {
    const rft = JSON.stringify({ messages: [{ role: "user", content: "2+2?" }], answer: "4" });
    const { report } = validateJsonl(jsonl([...tenValid, rft]), { fileName: "f" });
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([
      expect.objectContaining({
        code: "mixed_formats",
        line: 11,
        message: expect.stringContaining('"answer" and its messages do not end with an assistant message'),
      }),
    ]);
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

describe("strict input: what JSON.parse would accept but silently change", () => {
  const bytesOf = (lines: ReadonlyArray<string | Uint8Array>): Uint8Array =>
    Buffer.concat(lines.flatMap((l) => [typeof l === "string" ? Buffer.from(l) : Buffer.from(l), Buffer.from("\n")]));
  const errorsOf = (source: string | Uint8Array) =>
    validateJsonl(source, { fileName: "f.jsonl" }).report.issues.filter((i) => i.severity === "error");

  it("refuses bytes that are not UTF-8, naming the line and the byte column", () => {
    // "café" written in Latin-1: é is the lone byte 0xE9 (column 50 of the line)
    const prefix = '{"messages": [{"role": "user", "content": "caf';
    const latin1 = Buffer.concat([Buffer.from(prefix), Buffer.from([0xe9]), Buffer.from('"}, {"role": "assistant", "content": "x"}]}')]);
    const errors = errorsOf(bytesOf([...tenValid, latin1]));
    expect(errors).toEqual([expect.objectContaining({ code: "invalid_utf8", line: 11, column: prefix.length + 1 })]);
    expect(errors[0]?.message).toContain("0xE9");
  });

  it("points past a genuine U+FFFD and multibyte characters to the bad byte", () => {
    const good = Buffer.from('{"x": "\uFFFD é 😀 ');
    const line = Buffer.concat([good, Buffer.from([0xf0, 0x28, 0x8c, 0x28]), Buffer.from('"}')]);
    expect(errorsOf(bytesOf([line]))).toEqual([expect.objectContaining({ code: "invalid_utf8", line: 1, column: good.length + 1 })]);
  });

  it("refuses a UTF-8-encoded surrogate (CESU-8), which a lenient decoder turns into U+FFFD", () => {
    const line = Buffer.concat([Buffer.from('{"x": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect(errorsOf(bytesOf([line]))).toEqual([expect.objectContaining({ code: "invalid_utf8", column: 8 })]);
  });

  it("refuses a lone surrogate escape, with the field", () => {
    const line = '{"messages": [{"role": "user", "content": "hi \\ud800"}, {"role": "assistant", "content": "x"}]}';
    const errors = errorsOf(jsonl([...tenValid, line]));
    expect(errors).toEqual([expect.objectContaining({ code: "invalid_unicode", line: 11, path: "messages[0].content" })]);
    expect(errors[0]?.message).toContain("\\ud800");
    // a pair written as escapes is one character, and fine
    const pair = '{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}, {"role": "assistant", "content": "x"}]}';
    expect(errorsOf(jsonl([...tenValid, pair]))).toEqual([]);
  });

  it("refuses a lone surrogate in text given as a string too", () => {
    const line = JSON.stringify({
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
    }).replace('"b"', '"b\uDC00"');
    expect(errorsOf(jsonl([...tenValid, line]))).toEqual([
      expect.objectContaining({ code: "invalid_unicode", path: "messages[1].content" }),
    ]);
  });

  it("refuses duplicate keys at any depth, with the JSON path", () => {
    const topLevel = '{"messages": "x", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]}';
    const nested = '{"messages": [{"role": "user", "content": "hi", "role": "assistant"}, {"role": "assistant", "content": "x"}]}';
    const deep =
      '{"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "a", "name": "b", "arguments": "{}"}}]}]}';
    const escaped = '{"messages": [{"role": "user", "content": "hi", "\\u0063ontent": "ho"}, {"role": "assistant", "content": "x"}]}';
    const errors = errorsOf(jsonl([...tenValid, topLevel, nested, deep, escaped]));
    expect(errors.map((e) => [e.code, e.line, e.path])).toEqual([
      ["duplicate_key", 11, "messages"],
      ["duplicate_key", 12, "messages[0].role"],
      ["duplicate_key", 13, "messages[1].tool_calls[0].function.name"],
      ["duplicate_key", 14, "messages[0].content"],
    ]);
    expect(errors[1]?.message).toContain('"role" appears more than once in messages[0]');
  });

  it("refuses JSON nested deeper than any training data, however deep, without exhausting the stack", () => {
    for (const depth of [101, 100_000]) {
      const line = `{"messages": [{"role": "user", "content": ${"[".repeat(depth)}${"]".repeat(depth)}}]}`;
      expect(errorsOf(jsonl([...tenValid, line]))).toEqual([
        expect.objectContaining({ code: "invalid_json", line: 11, path: expect.stringMatching(/^messages\[0\]\.content(\[0\])+$/) }),
      ]);
    }
  });

  it("accepts the same key in different objects, a byte order mark and CRLF line ends", () => {
    const text = `\uFEFF${tenValid.join("\r\n")}\r\n`;
    expect(validateJsonl(Buffer.from(text), { fileName: "f" }).report).toMatchObject({ errors: 0, examples: 10, lines: 10 });
  });
});

describe("reports of any size", () => {
  it("counts every finding but lists the first 100 of each code, in line order", () => {
    const noSystem = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `q${i}` },
          { role: "assistant", content: "a" },
        ],
      }),
    );
    const { report } = validateJsonl(jsonl([...noSystem, "{oops", "{oops"]), { fileName: "f" });
    expect(report).toMatchObject({ errors: 2, warnings: 250, issueCounts: { missing_system_message: 250, invalid_json: 2 } });
    const listed = report.issues.filter((i) => i.code === "missing_system_message");
    expect(listed).toHaveLength(100);
    expect(listed.map((i) => i.line)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("counts every line of another format as mixed_formats", () => {
    const rft = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `2+${i}?` }], answer: String(2 + i) });
    const lines = [...Array.from({ length: 300 }, (_, i) => chat(`t${i}`, "{}")), ...Array.from({ length: 120 }, (_, i) => rft(i))];
    const { report } = validateJsonl(jsonl(lines), { fileName: "f" });
    expect(report).toMatchObject({ format: "supervised", errors: 120, examples: 300, issueCounts: { mixed_formats: 120 } });
    expect(report.issues.filter((i) => i.code === "mixed_formats")).toHaveLength(100);
  });
});
