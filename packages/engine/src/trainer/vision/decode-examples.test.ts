/** Decoding a file's images before training: image parts become pixels, text is untouched, errors name the line. */
import { describe, expect, it } from "vitest";
import { colorSquareExamples } from "./color-squares.test-helpers.ts";
import { decodeExamples } from "./decode-examples.ts";

describe("decodeExamples", () => {
  it("decodes image_url parts in place and names the file and line of an image that does not decode", async () => {
    const rows = await colorSquareExamples(3, 4);
    const text = {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "yo" },
      ],
    };
    const decoded = await decodeExamples([text, ...rows], "training");
    expect(decoded[0]).toBe(text);
    const parts = decoded[1]?.messages[0]?.content as Array<{ type: string; side?: number }>;
    expect(parts.map((p) => p.type)).toEqual(["text", "image_pixels"]);
    expect(parts[1]?.side).toBe(32);
    expect(decoded[1]?.messages[1]).toEqual(rows[0]?.messages[1]);

    const broken = structuredClone(rows);
    const user = (broken[1] as { messages: Array<{ content?: unknown }> }).messages[0] as { content: unknown[] };
    user.content[1] = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgoAAAAA" } };
    await expect(decodeExamples(broken, "validation")).rejects.toThrow(/^The validation file line 2: the image does not decode/);
  });
});
