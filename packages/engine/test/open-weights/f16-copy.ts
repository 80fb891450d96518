/**
 * An F16 copy of a fixture checkpoint, as `model.half().save_pretrained()` writes one: every tensor of its
 * safetensors files (one, or the shards of a sharded checkpoint, whose index stays valid: halves take as many bytes as
 * bf16) rounded to IEEE halves (the fixtures' bf16 values are all exact in f16 but a few of the smallest,
 * under 2^-17), config.json saying float16, the other files as they are.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensorsHeader, readTensorF32 } from "../../src/hf/safetensors.ts";
import { writeSafetensors } from "../../src/hf/safetensors-write.ts";

export function writeF16Copy(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from);
  for (const f of files) if (!f.endsWith(".safetensors") && f !== "config.json") copyFileSync(join(from, f), join(to, f));
  const config = JSON.parse(readFileSync(join(from, "config.json"), "utf8")) as Record<string, unknown>;
  config.torch_dtype = "float16";
  writeFileSync(join(to, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  for (const file of files.filter((f) => f.endsWith(".safetensors"))) {
    const source = join(from, file);
    const header = readSafetensorsHeader(source);
    const tensors = [...header.tensors.values()].map((e) => ({ name: e.name, shape: e.shape, data: () => readTensorF32(source, e) }));
    writeSafetensors(join(to, file), tensors, "F16", header.metadata);
  }
}
