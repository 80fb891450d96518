// Imports types only beside finalize-run.ts's statistics: the finalize worker loads this module.
import type { Grade, ScoredItem } from "@tunelab/evals";
import type { EvalSampleRow } from "../eval-run.table.ts";

/** The columns of a stored sample that finalizing reads: everything but its output and error (the largest columns). */
export const STORED_SCORE_COLUMNS = [
  "item_id",
  "position",
  "trial",
  "tags_json",
  "grades_json",
  "status",
  "prompt_tokens",
  "completion_tokens",
] as const;

export type StoredScoreRow = Pick<EvalSampleRow, (typeof STORED_SCORE_COLUMNS)[number]>;

/**
 * Stored rows as columns (one array per column, row i at index i): what is posted to the finalize worker as a batch
 * commits. A few arrays of strings and numbers copy between threads in a fraction of the time an object per row takes.
 */
export type StoredScoreBatch = { [K in keyof StoredScoreRow]: StoredScoreRow[K][] };

/** `rows` as columns (`StoredScoreBatch`). */
export function storedScoreBatch(rows: readonly StoredScoreRow[]): StoredScoreBatch {
  const n = rows.length;
  const batch: StoredScoreBatch = {
    item_id: new Array(n),
    position: new Array(n),
    trial: new Array(n),
    tags_json: new Array(n),
    grades_json: new Array(n),
    status: new Array(n),
    prompt_tokens: new Array(n),
    completion_tokens: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const row = rows[i] as StoredScoreRow;
    batch.item_id[i] = row.item_id;
    batch.position[i] = row.position;
    batch.trial[i] = row.trial;
    batch.tags_json[i] = row.tags_json;
    batch.grades_json[i] = row.grades_json;
    batch.status[i] = row.status;
    batch.prompt_tokens[i] = row.prompt_tokens;
    batch.completion_tokens[i] = row.completion_tokens;
  }
  return batch;
}

/**
 * A run's stored samples as its statistics read them (`toStatisticsItem` of each row), gathered row by row: from the
 * database at the end of a run, or as each batch is committed during it (the finalize worker then has them before the
 * last item is graded). Rows may come in any order; `ordered` gives the items in the database's reading order
 * (position, then trial), equal to `toStatisticsItem` of each row.
 *
 * Held compactly until then, since a worker gathering them holds them through the whole run: per row its id, position,
 * trial, shared tags and the names of its graders (one list per distinct set), and per grade a score (null as NaN,
 * which JSON cannot hold) and whether it passed in flat arrays; errors apart. A row with a grade of another shape (a
 * score that is neither a number nor null, `passed` not a boolean) is kept as its item.
 */
export class StoredScores {
  readonly counts = { passed: 0, failed: 0, errored: 0 };
  promptTokens = 0;
  completionTokens = 0;
  private readonly ids: string[] = [];
  private readonly positions: number[] = [];
  private readonly trials: number[] = [];
  private readonly tagsOf: (readonly string[])[] = [];
  private readonly tagSets = new Map<string, readonly string[]>();
  /** Per row: where its grades start in `scores`/`passed`, and which list of grader names they follow (-1: kept whole). */
  private readonly offsets: number[] = [];
  private readonly layoutOf: number[] = [];
  private readonly layouts: string[][] = [];
  private readonly layoutIndex = new Map<string, number>();
  private readonly scores: number[] = [];
  private readonly passed: number[] = [];
  /** Grade errors by their index in `scores`. */
  private readonly errors = new Map<number, NonNullable<Grade["error"]>>();
  private readonly whole = new Map<number, ScoredItem>();

  get size(): number {
    return this.ids.length;
  }

  add(row: StoredScoreRow): void {
    this.addRow(row.item_id, row.position, row.trial, row.tags_json, row.grades_json, row.status, row.prompt_tokens, row.completion_tokens);
  }

  /** Every row of a batch (`storedScoreBatch`), as `add` of each. */
  addBatch(batch: StoredScoreBatch): void {
    const { item_id, position, trial, tags_json, grades_json, status, prompt_tokens, completion_tokens } = batch;
    for (let i = 0; i < item_id.length; i++)
      this.addRow(
        item_id[i] as string,
        position[i] as number,
        trial[i] as number,
        tags_json[i] as string,
        grades_json[i] as string,
        status[i] as string,
        prompt_tokens[i] as number,
        completion_tokens[i] as number,
      );
  }

  private addRow(
    itemId: string,
    position: number,
    trial: number,
    tagsJson: string,
    gradesJson: string,
    status: string,
    promptTokens: number,
    completionTokens: number,
  ): void {
    const r = this.ids.length;
    this.ids.push(itemId);
    this.positions.push(position);
    this.trials.push(trial);
    let tags = this.tagSets.get(tagsJson);
    if (!tags) {
      tags = JSON.parse(tagsJson) as string[];
      this.tagSets.set(tagsJson, tags);
    }
    this.tagsOf.push(tags);
    this.offsets.push(this.scores.length);
    this.layoutOf.push(this.addGrades(r, itemId, trial, tagsJson, gradesJson));
    this.counts[status as keyof StoredScores["counts"]]++;
    this.promptTokens += promptTokens;
    this.completionTokens += completionTokens;
  }

  /** Stores a row's grades in the flat arrays and returns its layout, or -1 when the row is kept whole. */
  private addGrades(r: number, itemId: string, trial: number, tagsJson: string, gradesJson: string): number {
    const stored = JSON.parse(gradesJson) as Record<string, Grade>;
    const names = Object.keys(stored);
    for (const name of names) {
      const { score, passed } = stored[name] as Grade;
      if (!(typeof score === "number" || score === null) || typeof passed !== "boolean") {
        this.whole.set(r, toStatisticsItem({ item_id: itemId, trial, tags_json: tagsJson, grades_json: gradesJson }));
        return -1;
      }
    }
    for (const name of names) {
      const { score, passed, error } = stored[name] as Grade;
      if (error !== undefined) this.errors.set(this.scores.length, error);
      this.scores.push(score === null ? Number.NaN : score);
      this.passed.push(passed ? 1 : 0);
    }
    const key = names.join("\u0000");
    let layout = this.layoutIndex.get(key);
    if (layout === undefined) {
      layout = this.layouts.length;
      this.layoutIndex.set(key, layout);
      this.layouts.push(names);
    }
    return layout;
  }

  private item(r: number): ScoredItem {
    const layout = this.layoutOf[r] as number;
    if (layout < 0) return this.whole.get(r) as ScoredItem;
    const names = this.layouts[layout] as string[];
    const at = this.offsets[r] as number;
    const grades: Record<string, Grade> = {};
    for (let j = 0; j < names.length; j++) {
      const value = this.scores[at + j] as number;
      const score = (Number.isNaN(value) ? null : value) as number;
      const passed = this.passed[at + j] === 1;
      const error = this.errors.get(at + j);
      grades[names[j] as string] = error === undefined ? { score, passed } : { score, passed, error };
    }
    return { item_id: this.ids[r] as string, trial: this.trials[r] as number, tags: this.tagsOf[r] as string[], grades };
  }

  /** The items by position then trial, and each one's position. */
  ordered(): { scored: ScoredItem[]; positions: number[] } {
    const order = Array.from({ length: this.size }, (_, r) => r);
    order.sort(
      (a, b) => (this.positions[a] as number) - (this.positions[b] as number) || (this.trials[a] as number) - (this.trials[b] as number),
    );
    return { scored: order.map((r) => this.item(r)), positions: order.map((r) => this.positions[r] as number) };
  }
}

/** The columns of a stored row that finalizing reads (what is posted to the finalize worker as a batch commits). */
export function storedScoreRow(row: EvalSampleRow): StoredScoreRow {
  return {
    item_id: row.item_id,
    position: row.position,
    trial: row.trial,
    tags_json: row.tags_json,
    grades_json: row.grades_json,
    status: row.status,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
  };
}

/**
 * A stored sample as the run's statistics and score columns read it: each grade keeps its score, whether it passed and
 * its error (`statusOf`), not its reason or sub-scores (most of the grades JSON, never read here).
 */
export function toStatisticsItem(row: Pick<EvalSampleRow, "item_id" | "trial" | "tags_json" | "grades_json">): ScoredItem {
  const stored = JSON.parse(row.grades_json) as Record<string, Grade>;
  const grades: Record<string, Grade> = {};
  for (const name in stored) {
    const { score, passed, error } = stored[name] as Grade;
    grades[name] = error === undefined ? { score, passed } : { score, passed, error };
  }
  return { item_id: row.item_id, trial: row.trial, tags: JSON.parse(row.tags_json) as string[], grades };
}
