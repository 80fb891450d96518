/**
 * A tiny synthetic vision task for tests: a colored square (random size and place) on white, rendered
 * to PNG with sharp; the question "Which color is the square?", the answer the color's name.
 */
import sharp from "sharp";
import { Rng } from "../train/rng.ts";
import type { ChatExample } from "../types.ts";

export const COLORS = { red: [220, 30, 30], green: [30, 170, 40], blue: [30, 60, 220], yellow: [235, 200, 20] } as const;
export type ColorName = keyof typeof COLORS;
export const COLOR_NAMES = Object.keys(COLORS) as ColorName[];
export const QUESTION = "Which color is the square?";

/** A PNG data URL of a `color` square on a white 28×28 canvas. */
export async function squarePng(color: ColorName, rng: Rng): Promise<string> {
  const W = 28;
  const size = 8 + Math.floor(rng.next() * 12);
  const x0 = Math.floor(rng.next() * (W - size));
  const y0 = Math.floor(rng.next() * (W - size));
  const px = Buffer.alloc(W * W * 3, 255);
  const rgb = COLORS[color];
  for (let y = y0; y < y0 + size; y++)
    for (let x = x0; x < x0 + size; x++) for (let c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = rgb[c] as number;
  const png = await sharp(px, { raw: { width: W, height: W, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

/** `n` examples (colors in turn), seeded. */
export async function colorSquareExamples(n: number, seed: number): Promise<Array<ChatExample & { color: ColorName }>> {
  const rng = new Rng(seed);
  const out: Array<ChatExample & { color: ColorName }> = [];
  for (let i = 0; i < n; i++) {
    const color = COLOR_NAMES[i % COLOR_NAMES.length] as ColorName;
    const url = await squarePng(color, rng);
    out.push({
      color,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: QUESTION },
            { type: "image_url", image_url: { url, detail: "low" } },
          ],
        },
        { role: "assistant", content: color },
      ],
    });
  }
  return out;
}
