// Imports types only: the finalize worker loads this module (finalize-run.ts).
import type { Grade, ScoredItem } from "@tunelab/evals";
import type { EvalRunScoresRow } from "./eval-run.table.ts";

/**
 * A run's scores in columns: for each grader, every sample's score (float64) and one byte of flags, plus each sample's
 * item id, position, trial and tags. It holds exactly what the paired statistics read of a grade (score, passed,
 * errored, present) so a comparison gets the same figures as from the samples' grades JSON, without parsing it; the
 * rest of a grade (reason, error message, sub-scores) stays in the samples.
 */
export const SCORE_COLUMNS_FORMAT = 1;

/** The bits of a sample's flag byte for one grader. */
export const SCORE_FLAG = {
  /** The sample has a grade from this grader (else the grader is absent from its grades). */
  present: 1,
  passed: 2,
  /** The grade has an error (`statusOf` is "errored"). */
  errored: 4,
  /** The stored score is null (a non-finite score does not survive JSON); the float64 slot holds 0. */
  nullScore: 8,
} as const;

/** Per sample: item id, position, trial and tags; tags as an index into the distinct tag lists (most items share). */
export interface ScoreColumnsItems {
  ids: string[];
  positions: number[];
  /** Absent when every sample is trial 0. */
  trials?: number[];
  tagSets: string[][];
  tagSetOf: number[];
}

/** One sample as the columns are made from it: a scored item and the position its sample recorded. */
export interface PositionedItem {
  position: number;
  item: ScoredItem;
}

export type NewScoreColumns = Omit<EvalRunScoresRow, "run_id">;

const NO_TAGS: readonly string[] = [];

/**
 * The columns of a run's samples, in the order given (position, trial: as the samples are read). Undefined when a
 * grade does not fit them (a score that is neither a number nor null): then compare keeps reading the samples.
 */
export function toScoreColumns(samples: readonly PositionedItem[]): NewScoreColumns | undefined {
  const n = samples.length;
  const graders: string[] = [];
  const graderIndex = new Map<string, number>();
  for (let s = 0; s < n; s++) {
    const { grades } = (samples[s] as PositionedItem).item;
    for (const name in grades)
      if (!graderIndex.has(name)) {
        graderIndex.set(name, graders.length);
        graders.push(name);
      }
  }
  const scores = Buffer.alloc(graders.length * n * 8);
  const flags = Buffer.alloc(graders.length * n);
  const items: ScoreColumnsItems = { ids: new Array(n), positions: new Array(n), tagSets: [], tagSetOf: new Array(n) };
  const trials: number[] = new Array(n);
  let trialsUsed = false;
  const tagSetIndex = new Map<string, number>();
  /** Tag lists already indexed, by identity: the items of a run mostly share a few tag arrays (StoredScores). */
  const tagSetOfList = new Map<readonly string[], number>();
  for (let s = 0; s < n; s++) {
    const { position, item } = samples[s] as PositionedItem;
    items.ids[s] = item.item_id;
    items.positions[s] = position;
    const trial = item.trial ?? 0;
    trials[s] = trial;
    if (trial !== 0) trialsUsed = true;
    const list = item.tags ?? NO_TAGS;
    let tagSet = tagSetOfList.get(list);
    if (tagSet === undefined) {
      const tags = [...list];
      const key = JSON.stringify(tags);
      tagSet = tagSetIndex.get(key);
      if (tagSet === undefined) {
        tagSet = items.tagSets.length;
        tagSetIndex.set(key, tagSet);
        items.tagSets.push(tags);
      }
      tagSetOfList.set(list, tagSet);
    }
    items.tagSetOf[s] = tagSet;
    for (const name in item.grades) {
      const grade = item.grades[name] as Grade;
      const score = grade.score as number | null;
      if (score !== null && typeof score !== "number") return undefined;
      const at = (graderIndex.get(name) as number) * n + s;
      flags[at] =
        SCORE_FLAG.present |
        (grade.passed ? SCORE_FLAG.passed : 0) |
        (grade.error ? SCORE_FLAG.errored : 0) |
        (score === null ? SCORE_FLAG.nullScore : 0);
      scores.writeDoubleLE(score ?? 0, at * 8);
    }
  }
  if (trialsUsed) items.trials = trials;
  return {
    format: SCORE_COLUMNS_FORMAT,
    samples: n,
    items_json: JSON.stringify(items),
    graders_json: JSON.stringify(graders),
    scores,
    flags,
  };
}

/** What a comparison reads of a run: its scored items (grades carrying only what the statistics read) and positions. */
export interface RunScoreSide {
  items: ScoredItem[];
  /** Item id → the position its samples recorded. */
  positions: Map<string, number>;
}

/** The error an errored grade carries here (its real type and message stay in the sample). */
const ERRORED: NonNullable<Grade["error"]> = { type: "other_error", message: "errored (see the sample)" };

/** The scored items of stored columns, or undefined for a layout this code does not know. */
export function fromScoreColumns(
  row: Pick<EvalRunScoresRow, "format" | "samples" | "items_json" | "graders_json" | "scores" | "flags">,
): RunScoreSide | undefined {
  if (row.format !== SCORE_COLUMNS_FORMAT) return undefined;
  const n = row.samples;
  const items = JSON.parse(row.items_json) as ScoreColumnsItems;
  const graders = JSON.parse(row.graders_json) as string[];
  const scores = Buffer.from(row.scores.buffer, row.scores.byteOffset, row.scores.byteLength);
  const flags = row.flags;
  if (scores.length !== graders.length * n * 8 || flags.length !== graders.length * n || items.ids.length !== n) return undefined;
  const scored: ScoredItem[] = new Array(n);
  const positions = new Map<string, number>();
  for (let s = 0; s < n; s++) {
    const grades: Record<string, Grade> = {};
    for (let g = 0; g < graders.length; g++) {
      const at = g * n + s;
      const flag = flags[at] as number;
      if (!(flag & SCORE_FLAG.present)) continue;
      const score = flag & SCORE_FLAG.nullScore ? (null as unknown as number) : scores.readDoubleLE(at * 8);
      const grade: Grade = { score, passed: (flag & SCORE_FLAG.passed) !== 0 };
      if (flag & SCORE_FLAG.errored) grade.error = ERRORED;
      grades[graders[g] as string] = grade;
    }
    const id = items.ids[s] as string;
    scored[s] = { item_id: id, trial: items.trials?.[s] ?? 0, tags: items.tagSets[items.tagSetOf[s] as number] ?? [], grades };
    positions.set(id, items.positions[s] as number);
  }
  return { items: scored, positions };
}
