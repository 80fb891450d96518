/**
 * Values written as Python writes them, for chat templates whose models were trained on Python's text: json.dumps
 * (", " and ": " between items, non-ASCII kept as transformers' tojson keeps it), and repr/str of a dict (what jinja2's
 * `|string` gives a dict: SmolLM3's template writes each of its `xml_tools` so).
 */

/**
 * JSON as Python's json.dumps(value, ensure_ascii=False) writes it, or with `ensureAscii` as json.dumps(value) does by
 * default: every character past ASCII as `\\uXXXX` (lowercase hex, UTF-16 code units, so a surrogate pair above U+FFFF).
 */
export function pythonJson(value: unknown, ensureAscii = false): string {
  if (Array.isArray(value)) return `[${value.map((item) => pythonJson(item, ensureAscii)).join(", ")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${jsonText(k, ensureAscii)}: ${pythonJson(v, ensureAscii)}`)
      .join(", ")}}`;
  return jsonText(value, ensureAscii);
}

function jsonText(value: unknown, ensureAscii: boolean): string {
  const text = JSON.stringify(value) ?? "null";
  if (!ensureAscii) return text;
  // JSON.stringify already escapes what JSON requires (\u0000-\u001f among them); Python also escapes DEL
  return text.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A string as Python's repr writes it: single quotes unless it holds a single quote and no double one. */
function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * What Python's repr gives the value parsed from JSON (dicts, lists, strings, numbers, True/False/None). A JSON
 * number is a JavaScript number here: a whole one is written as an int (Python would write 1.0 for a JSON `1.0`).
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return reprString(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${reprString(k)}: ${pythonRepr(v)}`)
    .join(", ")}}`;
}
