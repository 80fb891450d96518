// Time to validate + import a generated 100k-line training file (target: <= 5 s on a 2-core machine).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, importDataset, openWorkspace, setTestSplit, validateJsonl } from "@tunelab/core";

const LINES = Number(process.argv[2] ?? 100_000);
const SYSTEM = 'Route the support ticket. Reply with JSON: {"category": ..., "priority": ...}.';
const WORDS = "invoice refund login password crash shipping parcel upgrade plan charge card export report slow error page account".split(
  " ",
);
const CATEGORIES = ["billing", "technical", "account", "shipping", "refund", "feature_request"];

function line(i: number): string {
  let x = (i * 2654435761) >>> 0;
  const words: string[] = [];
  for (let w = 0; w < 12 + (i % 9); w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length] ?? "ticket");
  }
  return JSON.stringify({
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: `Ticket ${i}: ${words.join(" ")}.` },
      { role: "assistant", content: JSON.stringify({ category: CATEGORIES[i % 6], priority: i % 3 === 0 ? "high" : "normal" }) },
    ],
  });
}

const text = `${Array.from({ length: LINES }, (_, i) => line(i)).join("\n")}\n`;
const testText = `${Array.from({ length: 200 }, (_, i) => line(LINES + i)).join("\n")}\n`;
const home = mkdtempSync(join(tmpdir(), "tunelab-bench-"));
try {
  const ws = await openWorkspace(home);
  await setTestSplit(ws, { project: "bench", text: testText, fileName: "test.jsonl" });

  let t = performance.now();
  const validated = validateJsonl(text, { fileName: "bench.jsonl" });
  const validateMs = performance.now() - t;

  t = performance.now();
  const result = await importDataset(ws, { project: "bench", dataset: "train", text, fileName: "bench.jsonl" });
  const importMs = performance.now() - t;
  if (result.status === "invalid") throw new Error("bench data did not validate");
  await closeWorkspace(ws);

  const mb = Buffer.byteLength(text) / 1e6;
  console.log(
    `import: ${LINES.toLocaleString("en-US")} lines, ${mb.toFixed(1)} MB, ${validated.report.stats.tokensPerExample.total.toLocaleString("en-US")} tokens`,
  );
  console.log(`import: validate only            ${(validateMs / 1000).toFixed(2)} s`);
  console.log(
    `import: validate + leakage + store ${(importMs / 1000).toFixed(2)} s (target <= 5 s) ${(LINES / (importMs / 1000)).toFixed(0)} lines/s`,
  );
  console.log(`import: peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
