/**
 * The Python program that runs a `python` grader's `source`: caps its own address space (and that of every process
 * it starts) at `argv[1]` bytes, reads `{source, sample, item}` as JSON on stdin, calls `grade(sample, item)`, and
 * writes `{"score": float}`, `{"error": traceback}` or `{"memory_error": true}` as the only line on stdout. The
 * grader's own prints go to stderr so they cannot corrupt the result.
 */
export const PYTHON_HARNESS = `
import json, math, sys, traceback
limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if limit > 0:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError) as error:
        sys.stderr.write("tunelab: could not cap the grader's memory: %s\\n" % error)
payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out_stream = sys.stdout
sys.stdout = sys.stderr
reserve = bytearray(1 << 20)
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
except MemoryError:
    reserve = None
    out = {"memory_error": True}
except BaseException:
    reserve = None
    kind, value, tb = sys.exc_info()
    out = {"error": "".join(traceback.format_exception(kind, value, tb.tb_next if tb else None)).strip()}
namespace = None
out_stream.write(json.dumps(out))
out_stream.flush()
`;
