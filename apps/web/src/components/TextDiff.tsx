import { For } from "solid-js";

type Part = { kind: "same" | "added" | "removed"; text: string };
const MAX_CELLS = 250_000;

/** Splits into words, whitespace and JSON punctuation, so diffs of short JSON answers line up field by field. */
function tokens(text: string): string[] {
  return text.match(/\s+|[{}[\]",:]|[^\s{}[\]",:]+/g) ?? [];
}

/** Token-level LCS diff of `expected` → `actual` (falls back to a whole-text replace for very long texts). */
export function diffTokens(expected: string, actual: string): Part[] {
  const a = tokens(expected);
  const b = tokens(actual);
  if (a.length * b.length > MAX_CELLS)
    return [...(expected ? [{ kind: "removed" as const, text: expected }] : []), { kind: "added", text: actual }];
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * cols + j] =
        a[i] === b[j] ? (lcs[(i + 1) * cols + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * cols + j] ?? 0, lcs[i * cols + j + 1] ?? 0);
  const parts: Part[] = [];
  const push = (kind: Part["kind"], text: string) => {
    const last = parts.at(-1);
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push("same", a[i] ?? "");
      i++;
      j++;
    } else if ((lcs[(i + 1) * cols + j] ?? 0) >= (lcs[i * cols + j + 1] ?? 0)) push("removed", a[i++] ?? "");
    else push("added", b[j++] ?? "");
  }
  while (i < a.length) push("removed", a[i++] ?? "");
  while (j < b.length) push("added", b[j++] ?? "");
  return parts;
}

/** The model's output against the reference: removed reference text struck through, added output highlighted. */
export function TextDiff(props: { reference: string | null; output: string | null }) {
  const parts = () => diffTokens(props.reference ?? "", props.output ?? "");
  return (
    <pre class="diff" title="reference → output: struck text is missing, highlighted text is extra">
      <For each={parts()}>
        {(part) =>
          part.kind === "same" ? <span>{part.text}</span> : part.kind === "added" ? <ins>{part.text}</ins> : <del>{part.text}</del>
        }
      </For>
    </pre>
  );
}
