import { describe, expect, it } from "vitest";
import { readMultipart, UploadedPart } from "./read-multipart.ts";

function multipart(form: FormData): Request {
  return new Request("http://engine.test/v1/files", { method: "POST", body: form });
}

describe("reading a multipart upload as it streams in", () => {
  it("gives the fields and each file's bytes exactly as sent", async () => {
    // 3 MB of every byte value (not UTF-8), so chunks split everywhere, and a boundary-like line inside
    const bytes = Buffer.alloc(3_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    bytes.write("\r\n------formdata-undici-0\r\n", 1_000_000);
    const form = new FormData();
    form.append("purpose", "fine-tune");
    form.append("file", new Blob([bytes], { type: "application/jsonl" }), "train.jsonl");
    const body = await readMultipart(multipart(form));
    expect(body.purpose).toBe("fine-tune");
    expect(body.file).toBeInstanceOf(UploadedPart);
    const file = body.file as UploadedPart;
    expect({ name: file.name, type: file.type }).toEqual({ name: "train.jsonl", type: "application/jsonl" });
    expect(file.data.equals(bytes)).toBe(true);
  });

  it("refuses a body that is not multipart", async () => {
    const request = new Request("http://engine.test/v1/files", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    await expect(readMultipart(request)).rejects.toThrow();
  });
});
