/**
 * The Python program that runs a `python` grader's `source`: reads `{source, sample, item}` as JSON on stdin, calls
 * `grade(sample, item)`, writes `{"score": float}` or `{"error": traceback}` as the only line on stdout. The
 * grader's own prints go to stderr so they cannot corrupt the result.
 */
export const PYTHON_HARNESS = `
import json, math, sys, traceback
payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out_stream = sys.stdout
sys.stdout = sys.stderr
try:
    namespace = {"__name__": "grader"}
    exec(compile(payload["source"], "<grader>", "exec"), namespace)
    grade = namespace.get("grade")
    if not callable(grade):
        raise NameError("the source does not define grade(sample, item)")
    result = grade(payload["sample"], payload["item"])
    if not isinstance(result, (int, float)):
        out = {"error": "grade() returned %s, expected a float" % type(result).__name__}
    elif not math.isfinite(float(result)):
        out = {"error": "grade() returned %r, expected a finite float" % (result,)}
    else:
        out = {"score": float(result)}
except BaseException:
    kind, value, tb = sys.exc_info()
    out = {"error": "".join(traceback.format_exception(kind, value, tb.tb_next if tb else None)).strip()}
out_stream.write(json.dumps(out))
out_stream.flush()
`;
