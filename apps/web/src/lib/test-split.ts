import { api, read } from "../api/client.ts";
import type { DatasetVersion } from "../api/types.ts";

export interface TestItemView {
  /** The last user message (what the model was asked). */
  input: string;
  reference: string | null;
}

/** A test split version and its JSONL lines as stored (one test item per line, in order). */
export interface TestSplitLines {
  version: DatasetVersion;
  lines: string[];
}

const cache = new Map<string, Promise<TestSplitLines | undefined>>();

/** A message's content as text (the text parts of a multi-part content). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : "")).join("");
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

/**
 * The lines of a test split version (the latest without `versionId`), read from its canonical JSONL; undefined when
 * the project has no test split (or not that version).
 */
export function testSplitLines(project: string, versionId?: string): Promise<TestSplitLines | undefined> {
  const key = `${project}/${versionId ?? "latest"}`;
  let lines = cache.get(key);
  if (!lines) {
    lines = (async () => {
      const { data } = await read<{ data: DatasetVersion[] }>(api.projects[":project"]["test-split"].$get({ param: { project } }));
      const version = versionId ? data.find((v) => v.id === versionId) : data.at(-1);
      if (!version) return undefined;
      const response = await api.projects[":project"].datasets[":dataset"].versions[":version"].content.$get({
        param: { project, dataset: version.name, version: String(version.number) },
      });
      if (!response.ok) return undefined;
      return { version, lines: (await response.text()).split("\n").filter((line) => line.trim()) };
    })();
    cache.set(key, lines);
    lines.catch(() => cache.delete(key));
  }
  return lines;
}

/** The items of a test split version by position: input and reference, read from the version's canonical JSONL. */
export async function testSplitItems(project: string, versionId: string): Promise<TestItemView[]> {
  const split = await testSplitLines(project, versionId);
  return (split?.lines ?? []).map((line) => {
    const json = JSON.parse(line) as { messages?: Array<{ role: string; content: unknown }> };
    const messages = json.messages ?? [];
    const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
    const before = lastAssistant >= 0 ? messages.slice(0, lastAssistant) : messages;
    return {
      input: contentText(before.findLast((m) => m.role === "user")?.content),
      reference: lastAssistant >= 0 ? contentText(messages[lastAssistant]?.content) : null,
    };
  });
}
