import { afterEach, describe, expect, it } from "vitest";
import { echoItems, nonEmpty } from "../../../test/eval-fixtures.ts";
import { type FakeOpenAI, promptOf, startFakeOpenAI } from "../../../test/fake-openai.ts";
import { bindGrader, parseGraderConfig, runGrader } from "../../graders/registry.ts";
import { type EvalItem, toSample } from "../../item.ts";
import { MemoryCompletionCache } from "../cache.ts";
import type { RunnerGrader } from "../grade-sample.ts";
import type { ItemRecord } from "../item-record.ts";
import { MAX_GRADING_IN_FLIGHT, runEval } from "../run-eval.ts";
import { GRADING_BATCH, GradingPool } from "./grading-pool.ts";

const OUTPUT = "{{sample.output_text}}";
const REFERENCE = "{{item.reference}}";
const CONFIGS = [
  { type: "string_check", name: "equals", input: OUTPUT, reference: REFERENCE, operation: "eq" },
  { type: "text_similarity", name: "fuzzy", input: OUTPUT, reference: REFERENCE, evaluation_metric: "fuzzy_match", pass_threshold: 0.8 },
  { type: "text_similarity", name: "bleu", input: OUTPUT, reference: REFERENCE, evaluation_metric: "bleu", pass_threshold: 0.5 },
  {
    type: "multi",
    name: "combined",
    graders: {
      eq: { type: "string_check", name: "eq", input: OUTPUT, reference: REFERENCE, operation: "eq" },
      rouge: {
        type: "text_similarity",
        name: "rouge",
        input: OUTPUT,
        reference: REFERENCE,
        evaluation_metric: "rouge_1",
        pass_threshold: 0.5,
      },
    },
    calculate_output: "(eq + rouge) / 2",
  },
].map((json) => parseGraderConfig(json));

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("GradingPool", () => {
  it("grades in worker threads exactly as runGrader does here", async () => {
    const pool = new GradingPool(CONFIGS, 2);
    try {
      const items = echoItems(50, (i) => i % 4 === 0);
      const samples = items.map((item, i) => toSample(i % 3 === 0 ? (item.reference ?? "") : `p${i} and more`));
      const there = await Promise.all(items.map((item, i) => pool.grade(samples[i] ?? toSample(""), item)));
      for (const [i, item] of items.entries()) {
        const here: Record<string, unknown> = {};
        for (const config of CONFIGS) here[config.name] = await runGrader(config, samples[i] ?? toSample(""), item);
        expect(there[i]).toEqual(here);
      }
    } finally {
      await pool.close();
    }
  });

  it("rejects what is still waiting once closed", async () => {
    const pool = new GradingPool(CONFIGS, 1);
    const [item] = echoItems(1);
    if (!item) throw new Error("no item");
    const waiting = expect(pool.grade(toSample("x"), item)).rejects.toThrow(/closed/);
    await pool.close();
    await waiting;
    await expect(pool.grade(toSample("x"), item)).rejects.toThrow(/closed/);
  });
});

describe("GradingPool's replies", () => {
  it("are answered one per turn of the event loop, also when the worker's replies arrive together", async () => {
    const pool = new GradingPool(CONFIGS, 1);
    try {
      const items = echoItems(3 * GRADING_BATCH);
      await pool.grade(toSample("x"), items[0] as EvalItem); // the worker has started
      let turn = 0;
      let counting = true;
      const count = () => {
        turn++;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      const answeredAt: number[] = [];
      // three full batches posted now, one task each; this thread then stays busy while the worker answers all three
      const graded = items.map((item, i) => pool.grade(toSample(`p${i}`), item).then(() => answeredAt.push(turn)));
      const until = performance.now() + 500;
      while (performance.now() < until) {} // the replies queue up meanwhile and are delivered in one go
      await Promise.all(graded);
      counting = false;
      // each batch's samples answered on a turn of their own (before: all three in the turn that received them)
      expect(new Set(answeredAt).size).toBe(3);
    } finally {
      await pool.close();
    }
  });
});

describe("runEval with a grading pool", () => {
  it("grades pure graders off the main thread and stores the same records, graders in the same order, as grading here", async () => {
    server = await startFakeOpenAI({
      answer: (body) => {
        const prompt = promptOf(body);
        return Number(prompt.slice(1)) % 5 === 0 ? `${prompt} extra words` : prompt;
      },
    });
    const cache = new MemoryCompletionCache();
    const items = echoItems(300, (i) => i % 3 !== 0);
    const sampler = { client: server.client(), model: "m", samplingParams: { temperature: 0 } };
    let calledHere = 0;
    // pure graders counting the grades computed on this thread; nonEmpty has no config: it is always graded here
    const graders: RunnerGrader[] = [
      ...CONFIGS.slice(0, 2).map((config) => counted(bindGrader(config))),
      nonEmpty,
      ...CONFIGS.slice(2).map((config) => counted(bindGrader(config))),
    ];
    function counted(grader: RunnerGrader): RunnerGrader {
      return {
        ...grader,
        grade: (sample, item) => {
          calledHere++;
          return grader.grade(sample, item);
        },
      };
    }
    const run = async (offThreadGrading: boolean | number) => {
      const records: ItemRecord[] = [];
      const result = await runEval({
        items,
        sampler,
        graders,
        cache,
        concurrency: 4,
        offThreadGrading,
        onSamples: (batch) => {
          records.push(...batch);
        },
      });
      return { result, records: records.sort((a, b) => Number(a.item_id.slice(5)) - Number(b.item_id.slice(5))) };
    };
    await run(false); // fills the cache: both measured runs answer every item from it
    calledHere = 0;
    const here = await run(false);
    expect(calledHere).toBe(300 * 4);
    calledHere = 0;
    const pooled = await run(2);
    expect(calledHere).toBe(0);
    expect(pooled.records).toHaveLength(300);
    const strip = (r: ItemRecord) => ({ ...r, latency_ms: 0 });
    expect(pooled.records.map(strip)).toEqual(here.records.map(strip));
    // key order too (grades are stored as JSON)
    expect(pooled.records.map((r) => JSON.stringify(r.grades))).toEqual(here.records.map((r) => JSON.stringify(r.grades)));
    expect(Object.keys(pooled.records[0]?.grades ?? {})).toEqual(["equals", "fuzzy", "non_empty", "bleu", "combined"]);
    expect(pooled.result.result_counts).toEqual(here.result.result_counts);
    expect(pooled.result.per_testing_criteria_results).toEqual(here.result.per_testing_criteria_results);
  });

  it("with every grader pooled, stores the grades in the graders' order, as grading here", async () => {
    const fake = await startFakeOpenAI({ answer: (body) => `${promptOf(body)} and more` });
    server = fake;
    const items = echoItems(40);
    const graders = [...CONFIGS].reverse().map((config) => bindGrader(config));
    const run = async (offThreadGrading: boolean | number) => {
      const records: ItemRecord[] = [];
      await runEval({
        items,
        sampler: { client: fake.client(), model: "m" },
        graders,
        concurrency: 4,
        offThreadGrading,
        onSample: (record) => {
          records.push(record);
        },
      });
      return records.sort((a, b) => a.item_id.localeCompare(b.item_id)).map((r) => JSON.stringify(r.grades));
    };
    const pooled = await run(1);
    expect(pooled).toEqual(await run(false));
    expect(Object.keys(JSON.parse(pooled[0] ?? "{}") as object)).toEqual(graders.map((g) => g.name));
  });

  it("samples at most MAX_GRADING_IN_FLIGHT items ahead of storing, and goes on as each one is stored", async () => {
    const total = MAX_GRADING_IN_FLIGHT + 150;
    let requests = 0;
    const create = async (body: { messages: { content: string }[] }) => {
      requests++;
      return { choices: [{ message: { role: "assistant", content: body.messages.at(-1)?.content ?? "" }, finish_reason: "stop" }] };
    };
    const client = { chat: { completions: { create } } } as unknown as Parameters<typeof runEval>[0]["sampler"]["client"];
    // storing waits until released: records pile up in flight
    let release: () => void = () => {};
    const stored = new Promise<void>((resolve) => {
      release = resolve;
    });
    let storedCount = 0;
    const running = runEval({
      items: echoItems(total),
      sampler: { client, model: "m" },
      graders: [bindGrader(CONFIGS[0] as (typeof CONFIGS)[number])],
      concurrency: 8,
      offThreadGrading: 1,
      onSample: async () => {
        await stored;
        storedCount++;
      },
    });
    // wait until sampling stops: every slot taken
    let before = -1;
    while (requests !== before) {
      before = requests;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(requests).toBeGreaterThanOrEqual(MAX_GRADING_IN_FLIGHT);
    expect(requests).toBeLessThanOrEqual(MAX_GRADING_IN_FLIGHT + 8);
    expect(storedCount).toBe(0);
    release();
    const result = await running;
    expect(requests).toBe(total);
    expect(storedCount).toBe(total);
    expect(result.result_counts.total).toBe(total);
  });
});
