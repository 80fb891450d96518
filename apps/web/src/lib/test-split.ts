import { api, read } from "../api/client.ts";
import type { DatasetVersion } from "../api/types.ts";

export interface TestItemView {
  /** The last user message (what the model was asked). */
  input: string;
  reference: string | null;
}

const cache = new Map<string, Promise<TestItemView[]>>();

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : "")).join("");
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

/** The items of a test split version by position: input and reference, read from the version's canonical JSONL. */
export function testSplitItems(project: string, versionId: string): Promise<TestItemView[]> {
  const key = `${project}/${versionId}`;
  let items = cache.get(key);
  if (!items) {
    items = (async () => {
      const { data } = await read<{ data: DatasetVersion[] }>(api.projects[":project"]["test-split"].$get({ param: { project } }));
      const version = data.find((v) => v.id === versionId);
      if (!version) return [];
      const response = await api.projects[":project"].datasets[":dataset"].versions[":version"].content.$get({
        param: { project, dataset: version.name, version: String(version.number) },
      });
      if (!response.ok) return [];
      return (await response.text())
        .split("\n")
        .filter((line) => line.trim())
        .map((line) => {
          const json = JSON.parse(line) as { messages?: Array<{ role: string; content: unknown }> };
          const messages = json.messages ?? [];
          const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
          const before = lastAssistant >= 0 ? messages.slice(0, lastAssistant) : messages;
          return {
            input: text(before.findLast((m) => m.role === "user")?.content),
            reference: lastAssistant >= 0 ? text(messages[lastAssistant]?.content) : null,
          };
        });
    })();
    cache.set(key, items);
    items.catch(() => cache.delete(key));
  }
  return items;
}
