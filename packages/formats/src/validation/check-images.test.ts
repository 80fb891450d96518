import { describe, expect, it } from "vitest";
import { dataUrl, IMAGES, type ImageName } from "../test-support/images.ts";
import { chat, jsonl } from "../test-support/lines.ts";
import { imageFacts } from "./image-bytes.ts";
import { IMAGE_LIMITS, imageBytesProblem } from "./image-rules.ts";
import { validateJsonl } from "./validate-file.ts";

const tenValid = Array.from({ length: 10 }, (_, i) => chat(`ticket ${i}`, "{}"));

function imageLine(url: string, role = "user"): string {
  const image = { type: "image_url", image_url: { url } };
  const messages =
    role === "user"
      ? [{ role: "user", content: [{ type: "text", text: "Which digit?" }, image] }]
      : [
          { role, content: [image] },
          { role: "user", content: "Which digit?" },
        ];
  return JSON.stringify({ messages: [...messages, { role: "assistant", content: '{"digit":7}' }] });
}

function errorsOf(line: string) {
  const { report } = validateJsonl(jsonl([...tenValid, line]), { fileName: "f.jsonl" });
  return report.issues.filter((i) => i.severity === "error").map((i) => ({ code: i.code, line: i.line, path: i.path, message: i.message }));
}

describe("image bytes: format and colour mode from the header", () => {
  const expected: Record<ImageName, ReturnType<typeof imageFacts>> = {
    pngRgb: { format: "png", mode: "rgb" },
    pngRgba: { format: "png", mode: "rgba" },
    pngGrey: { format: "png", mode: "grey" },
    pngPalette: { format: "png", mode: "palette" },
    jpegRgb: { format: "jpeg", mode: "rgb" },
    jpegGrey: { format: "jpeg", mode: "grey" },
    jpegCmyk: { format: "jpeg", mode: "cmyk" },
    webpLossy: { format: "webp", mode: "rgb" },
    webpLossless: { format: "webp", mode: "rgb" },
    webpAlpha: { format: "webp", mode: "rgba" },
    gif: { format: "gif", mode: "palette" },
  };
  it.each(Object.keys(expected) as ImageName[])("%s", (name) => {
    expect(imageFacts(Buffer.from(IMAGES[name], "base64"))).toEqual(expected[name]);
  });

  it("says nothing about bytes that are no image", () => {
    expect(imageFacts(new TextEncoder().encode("<html>not found</html>"))).toEqual({ format: undefined, mode: undefined });
  });
});

describe("OpenAI's image rules on data URLs", () => {
  const path = "messages[0].content[1].image_url.url";

  it.each(["pngRgb", "pngRgba", "jpegRgb", "webpLossy", "webpLossless", "webpAlpha"] as const)("accepts %s", (name) => {
    expect(errorsOf(imageLine(dataUrl(name)))).toEqual([]);
  });

  it("accepts image/jpg as JPEG", () => {
    expect(errorsOf(imageLine(dataUrl("jpegRgb", "image/jpg")))).toEqual([]);
  });

  it.each([
    ["pngGrey", /greyscale; images must be in the RGB or RGBA mode/],
    ["pngPalette", /palette \(indexed colour\); images must be in the RGB or RGBA mode/],
    ["jpegGrey", /greyscale/],
    ["jpegCmyk", /CMYK/],
  ] as const)("refuses %s: OpenAI requires RGB or RGBA", (name, message) => {
    expect(errorsOf(imageLine(dataUrl(name)))).toEqual([
      { code: "invalid_image", line: 11, path, message: expect.stringMatching(message) },
    ]);
  });

  it("refuses GIF, which OpenAI does not accept in fine-tuning data", () => {
    expect(errorsOf(imageLine(dataUrl("gif")))).toEqual([
      { code: "invalid_image", line: 11, path, message: "image type GIF is not accepted in fine-tuning data; use JPEG, PNG or WEBP" },
    ]);
  });

  it("refuses data that is not what the URL declares", () => {
    expect(errorsOf(imageLine(dataUrl("jpegRgb", "image/png")))).toEqual([
      { code: "invalid_image", line: 11, path, message: "image is declared image/png but its data is image/jpeg" },
    ]);
    expect(errorsOf(imageLine(dataUrl("gif", "image/png")))[0]?.message).toMatch(/GIF is not accepted/);
    const text = Buffer.from("<html>hello</html>").toString("base64");
    expect(errorsOf(imageLine(`data:image/png;base64,${text}`))[0]?.message).toBe(
      "image data is not a JPEG, PNG or WEBP image (declared image/png)",
    );
  });

  it("refuses base64 that is not base64", () => {
    expect(errorsOf(imageLine("data:image/png;base64,iVBO*w0K"))[0]?.message).toBe("image data is not valid base64");
  });

  it("refuses an image over 10 MB before decoding it", () => {
    const big = "A".repeat(Math.ceil(((IMAGE_LIMITS.maxBytes + 3) * 4) / 3 / 4) * 4);
    expect(errorsOf(imageLine(`data:image/png;base64,${big}`))[0]?.message).toMatch(/^image is 10\.0 MB; the limit is 10 MB$/);
  });

  it("accepts http(s) URLs here (they are fetched and checked at import)", () => {
    expect(errorsOf(imageLine("https://example.test/seven.png"))).toEqual([]);
  });
});

describe("images belong in user messages", () => {
  it.each(["system", "developer", "tool"])("refuses an image in a %s message", (role) => {
    const line =
      role === "tool"
        ? JSON.stringify({
            messages: [
              { role: "user", content: "weather?" },
              { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
              { role: "tool", tool_call_id: "c1", content: [{ type: "image_url", image_url: { url: dataUrl("pngRgb") } }] },
              { role: "assistant", content: "sunny" },
            ],
          })
        : imageLine(dataUrl("pngRgb"), role);
    const errors = errorsOf(line);
    expect(errors).toEqual([
      expect.objectContaining({
        code: "invalid_image",
        line: 11,
        message: `images are allowed only in user messages, not in ${role} messages`,
      }),
    ]);
    expect(errors[0]?.path).toMatch(/^messages\[\d\]\.content\[0\]\.image_url\.url$/);
  });
});

describe("images per example and per file", () => {
  it("allows 10 images in an example, not 11", () => {
    const image = { type: "image_url", image_url: { url: dataUrl("pngRgb") } };
    const line = (n: number) =>
      JSON.stringify({
        messages: [
          { role: "user", content: Array(n).fill(image) },
          { role: "assistant", content: "x" },
        ],
      });
    expect(errorsOf(line(10))).toEqual([]);
    expect(errorsOf(line(11))).toEqual([expect.objectContaining({ code: "too_many_images", line: 11 })]);
  });

  it("limits a file to 50,000 examples with images (text-only examples not counted)", () => {
    const lines = [...tenValid, ...Array(IMAGE_LIMITS.examplesPerFile + 1).fill(imageLine(dataUrl("pngRgb")))];
    const { report } = validateJsonl(jsonl(lines), { fileName: "f.jsonl" });
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([
      {
        severity: "error",
        code: "too_many_images",
        message: "the file has 50,001 examples with images; the limit is 50,000 per file (text-only examples are not counted)",
      },
    ]);
  });

  it("names the rule for bytes a caller fetched (core's import of http(s) images)", () => {
    expect(imageBytesProblem(Buffer.from(IMAGES.pngRgb, "base64"), "image/png")).toBeUndefined();
    expect(imageBytesProblem(new Uint8Array(IMAGE_LIMITS.maxBytes + 1), "image/png")).toBe("image is 10.0 MB; the limit is 10 MB");
  });
});
