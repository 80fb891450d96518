import { describe, expect, it } from "vitest";
import { pythonJson, pythonRepr } from "./python-text.ts";

// The expected texts are what Python 3.11 prints for the same value:
//   v = {'a': "it's", 'b': 'say "hi"', 'c': 'both \' and "', 'd': 'tab\there\nnew\\back', 'e': '\x01\x7f\x9f é 日本',
//        'f': [1, 2.5, True, False, None, -3], 'g': {}}
//   print(repr(v)); print(json.dumps(v, ensure_ascii=False)); print(json.dumps(v))
const VALUE = {
  a: "it's",
  b: 'say "hi"',
  c: "both ' and \"",
  d: "tab\there\nnew\\back",
  e: "\x01\x7f\x9f é 日本",
  f: [1, 2.5, true, false, null, -3],
  g: {},
};

describe("values written as Python writes them", () => {
  it("repr: quotes chosen and escaped as Python does, True/False/None, control characters as \\x", () => {
    expect(pythonRepr(VALUE)).toBe(
      `{'a': "it's", 'b': 'say "hi"', 'c': 'both \\' and "', 'd': 'tab\\there\\nnew\\\\back', 'e': '\\x01\\x7f\\x9f é 日本', 'f': [1, 2.5, True, False, None, -3], 'g': {}}`,
    );
  });

  it("json.dumps(ensure_ascii=False): spaced items, non-ASCII kept", () => {
    expect(pythonJson(VALUE)).toBe(
      '{"a": "it\'s", "b": "say \\"hi\\"", "c": "both \' and \\"", "d": "tab\\there\\nnew\\\\back", "e": "\\u0001\x7f\x9f é 日本", "f": [1, 2.5, true, false, null, -3], "g": {}}',
    );
  });

  it("json.dumps with its default ensure_ascii: everything past ASCII escaped, a character above U+FFFF as a surrogate pair", () => {
    expect(pythonJson({ ...VALUE, e: `${VALUE.e} 😀`, clé: 1 }, true)).toBe(
      '{"a": "it\'s", "b": "say \\"hi\\"", "c": "both \' and \\"", "d": "tab\\there\\nnew\\\\back", "e": "\\u0001\\u007f\\u009f \\u00e9 \\u65e5\\u672c \\ud83d\\ude00", "f": [1, 2.5, true, false, null, -3], "g": {}, "cl\\u00e9": 1}',
    );
  });
});
