// Runner throughput against a loopback OpenAI-compatible server answering every request after 200 ms, at
// concurrency 32: achieved requests per second as a fraction of the ideal 32 / 0.2 s = 160 req/s (target >= 0.9).
// Run: pnpm exec tsx bench/graders-runner.ts [items]

import { runEval } from "../packages/evals/src/runner/run-eval.ts";
import { echoItems, exactMatch } from "../packages/evals/test/eval-fixtures.ts";
import { startFakeOpenAI } from "../packages/evals/test/fake-openai.ts";

const ITEMS = Number(process.argv[2] ?? 1_000);
const CONCURRENCY = 32;
const LATENCY_MS = 200;

const server = await startFakeOpenAI({ latencyMs: LATENCY_MS });
try {
  const sampler = { client: server.client(), model: "bench", samplingParams: { temperature: 0.7 } };
  // Warm-up (connections, JIT), not measured.
  await runEval({ items: echoItems(CONCURRENCY), sampler, graders: [exactMatch], concurrency: CONCURRENCY });

  const started = performance.now();
  const result = await runEval({ items: echoItems(ITEMS), sampler, graders: [exactMatch], concurrency: CONCURRENCY });
  const seconds = (performance.now() - started) / 1000;
  const counts = result.result_counts;
  if (counts.total !== ITEMS || counts.errored !== 0) throw new Error(`unexpected result counts ${JSON.stringify(counts)}`);
  const rate = ITEMS / seconds;
  const ideal = CONCURRENCY / (LATENCY_MS / 1000);
  console.log(
    `runner: ${ITEMS} items, concurrency ${CONCURRENCY}, ${LATENCY_MS} ms latency: ${rate.toFixed(1)} req/s, ` +
      `${((rate / ideal) * 100).toFixed(1)}% of ideal ${ideal} req/s (${seconds.toFixed(2)} s)`,
  );
} finally {
  await server.close();
}
