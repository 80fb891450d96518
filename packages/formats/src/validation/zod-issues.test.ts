import { describe, expect, it } from "vitest";
import { chat, jsonl } from "../test-support/lines.ts";
import { validateJsonl } from "./validate-file.ts";

const tenValid = Array.from({ length: 10 }, (_, i) => chat(`ticket ${i}`, "{}"));

const tenPreferences = Array.from({ length: 10 }, (_, i) =>
  JSON.stringify({
    input: { messages: [{ role: "user", content: `question ${i}` }] },
    preferred_output: [{ role: "assistant", content: "good" }],
    non_preferred_output: [{ role: "assistant", content: "bad" }],
  }),
);

/** The errors of a file of ten valid lines and this one (line 11), as path and message. */
function errorsOf(value: unknown, valid = tenValid): Array<{ code: string; path: string | undefined; message: string }> {
  const { report } = validateJsonl(jsonl([...valid, JSON.stringify(value)]), { fileName: "f.jsonl" });
  return report.issues.filter((i) => i.severity === "error").map((i) => ({ code: i.code, path: i.path, message: i.message }));
}

const withUserContent = (content: unknown) => ({
  messages: [
    { role: "user", content },
    { role: "assistant", content: "ok" },
  ],
});

describe("a bad content part is reported where it is, with what is allowed", () => {
  it.each([
    [
      "an image detail that does not exist",
      [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "medium" } }],
      "messages[0].content[0].image_url.detail",
      'expected one of auto, low, high, got "medium"',
    ],
    ["a text part without text", [{ type: "text" }], "messages[0].content[0].text", "required (expected a string)"],
    [
      "an unsupported part type",
      [{ type: "audio" }],
      "messages[0].content[0].type",
      '"audio" is not supported (expected text or image_url)',
    ],
    ["a part without a type", [{ text: "hi" }], "messages[0].content[0].type", "required (expected text or image_url)"],
    [
      "a part that is not an object",
      [{ type: "text", text: "a" }, "hi"],
      "messages[0].content[1]",
      'a content part must be an object with a type (text or image_url), got the string "hi"',
    ],
    [
      "an unknown key in a part",
      [{ type: "text", text: "a", cache: true }],
      "messages[0].content[0]",
      'unrecognized key(s) "cache"; a text part has type, text',
    ],
    [
      "an image without a url",
      [{ type: "image_url", image_url: {} }],
      "messages[0].content[0].image_url.url",
      "required (expected a string)",
    ],
  ])("%s", (_, content, path, message) => {
    expect(errorsOf(withUserContent(content))).toEqual([{ code: "invalid_field", path, message }]);
  });

  it("still says what content may be when it is none of them", () => {
    expect(errorsOf(withUserContent(5))).toEqual([
      {
        code: "invalid_field",
        path: "messages[0].content",
        message: "content must be a string, a list of content parts, or null; got number 5",
      },
    ]);
  });
});

describe("preference (DPO) lines: the field and what is expected, not zod's wording", () => {
  const dpo = { input: { messages: [{ role: "user", content: "hi" }] }, preferred_output: [{ role: "assistant", content: "a" }] };

  it("names empty message lists", () => {
    expect(errorsOf({ ...dpo, input: { messages: [] }, non_preferred_output: [] }, tenPreferences)).toEqual([
      { code: "invalid_field", path: "input.messages", message: "expected at least 1 message, got an empty list" },
      { code: "invalid_field", path: "non_preferred_output", message: "expected at least 1 message, got an empty list" },
    ]);
  });

  it("names a missing output and an unknown top-level key", () => {
    const errors = errorsOf({ ...dpo, rating: 3 }, tenPreferences);
    expect(errors).toEqual(
      expect.arrayContaining([
        { code: "invalid_field", path: "non_preferred_output", message: "required (expected a list)" },
        {
          code: "invalid_field",
          path: "rating",
          message: 'unrecognized top-level key(s) "rating"; a preference line has input, preferred_output, non_preferred_output',
        },
      ]),
    );
    for (const error of errors) expect(error.message).not.toMatch(/Too small|Invalid input|Unrecognized key/);
  });
});
