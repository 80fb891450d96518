// Deterministic, realistic grading data for the grader benchmarks: ticket-routing JSON answers and short support
// replies, with about 30% of model outputs not exactly equal to the reference.

import { mulberry32 as prng } from "@tunelab/evals";

/** A small, fast, seeded PRNG (mulberry32, the one in @tunelab/evals): the same seed always gives the same data. */
export { prng };

function pick<T>(random: () => number, list: readonly T[]): T {
  const value = list[Math.floor(random() * list.length)];
  if (value === undefined) throw new Error("pick from an empty list");
  return value;
}

const CATEGORIES = ["billing", "technical", "account", "shipping", "refund", "feature_request"] as const;
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
const TEAMS = ["tier1", "tier2", "payments", "logistics", "product"] as const;
const PROBLEMS = [
  "I was charged twice for my subscription this month",
  "the export to CSV button does nothing",
  "my parcel has not arrived after ten days",
  "I cannot log in since I changed my password",
  "please add dark mode to the dashboard",
  "the invoice shows the wrong company address",
  "the app crashes when I upload a large file",
  "I want a refund for the annual plan",
  "the tracking link says the label was created but nothing moved",
  "two factor codes never reach my phone",
] as const;
const OPENERS = ["Thanks for reaching out.", "Sorry about the trouble.", "Thank you for your patience.", "Happy to help."] as const;
const ACTIONS = [
  "I have issued a refund of the duplicate charge",
  "I have escalated this to our engineering team",
  "I have reset your password and sent a link",
  "I have opened a claim with the carrier",
  "I have corrected the address on your invoice",
  "I have added your vote to the feature request",
  "I have re-sent the verification code",
] as const;
const ENDINGS = [
  "it should appear within 5 business days.",
  "you will hear back within 24 hours.",
  "please check your inbox and spam folder.",
  "let us know if anything else comes up.",
  "the new copy is attached to this ticket.",
] as const;
const SYSTEM = 'Route the support ticket or answer it. Routing replies are JSON: {"category", "priority", "team"}.';

export interface TestCase {
  kind: "routing" | "reply";
  /** The user's message. */
  prompt: string;
  /** The reference answer (JSON text for routing cases, a sentence otherwise). */
  reference: string;
  /** What the model answered: equal to the reference about 70% of the time. */
  output: string;
}

function routing(random: () => number): string {
  return JSON.stringify({ category: pick(random, CATEGORIES), priority: pick(random, PRIORITIES), team: pick(random, TEAMS) });
}

function reply(random: () => number): string {
  return `${pick(random, OPENERS)} ${pick(random, ACTIONS)}; ${pick(random, ENDINGS)}`;
}

/** A plausible wrong or slightly different output: another field value, a reworded or truncated reply. */
function perturb(random: () => number, reference: string, isJson: boolean): string {
  if (isJson) {
    const parsed = JSON.parse(reference) as { category: string; priority: string; team: string };
    const r = random();
    if (r < 0.4)
      return JSON.stringify({
        ...parsed,
        priority: pick(
          random,
          PRIORITIES.filter((p) => p !== parsed.priority),
        ),
      });
    if (r < 0.8)
      return JSON.stringify({
        ...parsed,
        category: pick(
          random,
          CATEGORIES.filter((c) => c !== parsed.category),
        ),
      });
    return JSON.stringify(parsed, null, 1); // same content, different whitespace: not exactly equal
  }
  const words = reference.split(" ");
  const r = random();
  if (r < 0.35) return `${pick(random, OPENERS)} ${words.slice(words.length > 6 ? 3 : 1).join(" ")}`;
  if (r < 0.65) return words.slice(0, Math.max(3, words.length - 4)).join(" ");
  if (r < 0.85) return reference.toLowerCase();
  return `${reply(random)} ${pick(random, ENDINGS)}`;
}

/** `n` test cases: half ticket routing (JSON), half short replies; ~30% of outputs differ from the reference. */
export function testCases(n: number, seed = 1): TestCase[] {
  const random = prng(seed);
  const cases: TestCase[] = [];
  for (let i = 0; i < n; i++) {
    const isJson = i % 2 === 0;
    const reference = isJson ? routing(random) : reply(random);
    const output = random() < 0.3 ? perturb(random, reference, isJson) : reference;
    cases.push({ kind: isJson ? "routing" : "reply", prompt: `Ticket #${10_000 + i}: ${pick(random, PROBLEMS)}.`, reference, output });
  }
  return cases;
}

/** `count` distinct plausible wrong or reworded outputs for a case (a model's mistakes), deterministic per seed. */
export function wrongOutputs(testCase: TestCase, count: number, seed: number): string[] {
  const random = prng(seed);
  const outputs = new Set<string>();
  for (let attempt = 0; outputs.size < count && attempt < 50 * count; attempt++) {
    const output = perturb(random, testCase.reference, testCase.kind === "routing");
    if (output !== testCase.reference) outputs.add(output);
  }
  return [...outputs];
}

/** One test-split JSONL line (OpenAI chat format) for a case; `tags` go in `metadata.tags` (slices). */
export function chatLine(testCase: TestCase, tags?: readonly string[]): string {
  return JSON.stringify({
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: testCase.prompt },
      { role: "assistant", content: testCase.reference },
    ],
    ...(tags ? { metadata: { tags } } : {}),
  });
}

/** A training example (a past ticket and its answer), distinct from every test case. */
export function trainingLine(i: number, seed = 5): string {
  const random = prng(seed * 1_000_003 + i);
  const isJson = i % 2 === 0;
  return JSON.stringify({
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: `Earlier ticket #${i}: ${pick(random, PROBLEMS)} (${pick(random, TEAMS)} queue).` },
      { role: "assistant", content: isJson ? routing(random) : reply(random) },
    ],
  });
}

/** The share of cases whose output is not exactly the reference. */
export function unequalShare(cases: readonly TestCase[]): number {
  return cases.filter((c) => c.output !== c.reference).length / cases.length;
}
