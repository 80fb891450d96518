import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Sum 2 and 3" },
      { role: "assistant", content: "5" },
    ],
    expected: 5,
    tags: ["math"],
  },
  0,
);
const python = (source: string, extra: Record<string, unknown> = {}) => parseGraderConfig({ type: "python", name: "py", source, ...extra });

describe("python grader", () => {
  it("runs grade(sample, item) with OpenAI's sample and item dicts", async () => {
    const source = `
def grade(sample, item) -> float:
    print("debug output goes to stderr, not the result")
    answer = sample["output_json"]
    return 1.0 if answer == item["expected"] and item["reference"] == "5" and item["tags"] == ["math"] else 0.25
`;
    expect(await runGrader(python(source), toSample("5"), item)).toEqual({ score: 1, passed: true, reason: "python grade() returned 1" });
    expect(await runGrader(python(source), toSample("6"), item)).toMatchObject({ score: 0.25, passed: false });
  });

  it("passes every key of OpenAI's sample dict: choices, output_text, output_json, output_tools, output_audio", async () => {
    const source = `
def grade(sample, item) -> float:
    assert sorted(sample) == ["choices", "output_audio", "output_json", "output_text", "output_tools"], sorted(sample)
    message = sample["choices"][0]["message"]
    if sample["output_tools"]:
        call = sample["output_tools"][0]["function"]
        return 0.75 if message["tool_calls"][0]["function"]["name"] == call["name"] == "add" and message["content"] is None else 0.0
    assert sample["output_audio"] is None
    if sample["output_json"] is None:
        return 0.5 if message["content"] == sample["output_text"] == "five" else 0.0
    return 1.0 if message["content"] == "5" and message["role"] == "assistant" else 0.0
`;
    expect(await runGrader(python(source), toSample("5"), item)).toMatchObject({ score: 1 });
    expect(await runGrader(python(source), toSample("five"), item)).toMatchObject({ score: 0.5 });
    const tools = toSample("", [{ id: "c1", type: "function", function: { name: "add", arguments: '{"a":2,"b":3}' } }]);
    expect(await runGrader(python(source), tools, item)).toMatchObject({ score: 0.75 });
  });

  it("applies pass_threshold (default 0.5) and accepts ints and bools", async () => {
    expect(await runGrader(python("def grade(s, i): return 0.3", { pass_threshold: 0.3 }), toSample(""), item)).toMatchObject({
      score: 0.3,
      passed: true,
    });
    expect(await runGrader(python("def grade(s, i): return 0.49"), toSample(""), item)).toMatchObject({ passed: false });
    expect(await runGrader(python("def grade(s, i): return 2"), toSample(""), item)).toMatchObject({ score: 2, passed: true });
    expect(await runGrader(python("def grade(s, i): return True"), toSample(""), item)).toMatchObject({ score: 1 });
  });

  it("reports exceptions as python_grader_runtime_error with the traceback", async () => {
    const grade = await runGrader(python("def grade(sample, item):\n    return 1 / 0"), toSample(""), item);
    expect(grade).toMatchObject({ score: 0, passed: false, error: { type: "python_grader_runtime_error" } });
    expect(grade.error?.message).toContain("ZeroDivisionError: division by zero");
    expect(grade.error?.message).toContain('File "<grader>", line 2, in grade');
  });

  it("reports syntax errors, a missing grade(), non-numbers and sys.exit as runtime errors", async () => {
    const cases = {
      "def grade(:": "SyntaxError",
      "x = 1": "does not define grade(sample, item)",
      "def grade(s, i): return 'high'": "grade() returned str, expected a float",
      "def grade(s, i): return float('nan')": "expected a finite float",
      "import sys\ndef grade(s, i): sys.exit(3)": "SystemExit",
      "import os\ndef grade(s, i): os._exit(4)": "python exited with code 4",
    };
    for (const [source, message] of Object.entries(cases)) {
      const grade = await runGrader(python(source), toSample(""), item);
      expect(grade.error?.type, source).toBe("python_grader_runtime_error");
      expect(grade.error?.message, source).toContain(message);
    }
  });

  it("kills a grader that runs past the time limit", async () => {
    const grade = await runGrader(python("def grade(s, i):\n    while True: pass"), toSample(""), item, { timeoutMs: 200 });
    expect(grade.error).toEqual({ type: "other_error", message: "python grader timed out after 200 ms (killed)" });
  });

  it("errors clearly when Python is missing", async () => {
    const grade = await runGrader(python("def grade(s, i): return 1"), toSample(""), item, { python: "/nonexistent/python3" });
    expect(grade.error).toMatchObject({
      type: "other_error",
      message: expect.stringContaining('python graders need Python 3: "/nonexistent/python3" was not found'),
    });
  });
});
