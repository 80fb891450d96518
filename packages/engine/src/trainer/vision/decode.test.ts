/** Decoding image data URLs with sharp: formats, detail → resolution, normalisation, refusals. */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage } from "./decode.ts";

const red = { r: 255, g: 0, b: 0, alpha: 1 };
async function dataUrl(format: "png" | "jpeg" | "webp" | "gif" | "tiff", width = 40, height = 40, background: object = red) {
  const img = sharp({ create: { width, height, channels: 4, background } });
  const buf = await img.toFormat(format, format === "webp" ? { lossless: true } : {}).toBuffer();
  return `data:image/${format};base64,${buf.toString("base64")}`;
}

describe("decodeImage", () => {
  it.each(["png", "jpeg", "webp", "gif"] as const)("decodes %s to RGB in [-1, 1] at the detail's resolution", async (format) => {
    const img = await decodeImage(await dataUrl(format), "low");
    expect(img.side).toBe(32);
    expect(img.pixels.length).toBe(32 * 32 * 3);
    // red: R near 1, G and B near -1 (JPEG and GIF are lossy: a tolerance)
    expect(img.pixels[0]).toBeGreaterThan(0.9);
    expect(img.pixels[1]).toBeLessThan(-0.85);
    expect(img.pixels[2]).toBeLessThan(-0.85);
  });

  it("picks 64×64 for high, and for auto on images at least 64 pixels on their shorter side", async () => {
    expect((await decodeImage(await dataUrl("png", 20, 30), "high")).side).toBe(64);
    expect((await decodeImage(await dataUrl("png", 100, 64), "auto")).side).toBe(64);
    expect((await decodeImage(await dataUrl("png", 28, 28), "auto")).side).toBe(32);
  });

  it("flattens transparency onto white and reads grayscale as RGB", async () => {
    const clear = await decodeImage(await dataUrl("png", 8, 8, { r: 0, g: 0, b: 0, alpha: 0 }), "low");
    expect(Math.min(...clear.pixels)).toBeGreaterThan(0.99);
    const gray = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .grayscale()
      .png()
      .toBuffer();
    const decoded = await decodeImage(`data:image/png;base64,${gray.toString("base64")}`, "low");
    expect(decoded.pixels.length).toBe(32 * 32 * 3);
    expect(Math.max(...decoded.pixels)).toBeLessThan(-0.99);
  });

  it("refuses http(s) URLs, other formats and bytes that are not an image", async () => {
    await expect(decodeImage("https://example.test/cat.png")).rejects.toMatchObject({
      code: "invalid_image_url",
      message: /data: URLs only/,
    });
    await expect(decodeImage(await dataUrl("png"), "medium" as never)).rejects.toMatchObject({
      code: "invalid_image",
      message: /detail must be/,
    });
    await expect(decodeImage("file:///etc/passwd")).rejects.toMatchObject({ code: "invalid_image_url" });
    await expect(decodeImage(await dataUrl("tiff"))).rejects.toMatchObject({ code: "invalid_image", message: /not tiff/ });
    await expect(decodeImage(`data:image/png;base64,${Buffer.from("not a png").toString("base64")}`)).rejects.toMatchObject({
      code: "invalid_image",
      message: /does not decode/,
    });
  });
});
