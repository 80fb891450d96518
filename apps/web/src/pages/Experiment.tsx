import { createMemo, createSignal, For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { Experiment as ExperimentT, MetricRow } from "../api/types.ts";
import { AccuracyChart, LossChart } from "../components/LossChart.tsx";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { StatusBadge } from "../components/Status.tsx";
import { count, duration, percent, score, value, when } from "../lib/format.ts";
import { onLive } from "../lib/live.ts";
import { load, throttle } from "../lib/load.ts";
import { projectName, usePage } from "../lib/page.ts";
import { trainedTokensMean } from "../lib/tokens.ts";
import { CancelButton } from "./experiment/CancelButton.tsx";
import { CopyLink } from "./experiment/CopyLink.tsx";
import { DeleteButton } from "./experiment/DeleteButton.tsx";
import { RunButton } from "./experiment/RunButton.tsx";
import { SampleTable } from "./experiment/SampleTable.tsx";
import { TrainingSetupCard } from "./experiment/TrainingSetupCard.tsx";
import { TrialsCard } from "./experiment/TrialsCard.tsx";

const STAGES = ["created", "uploading", "training", "evaluating", "completed"] as const;
const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** One experiment: config, status timeline, live training curves, its eval run's summary and items. */
export default function Experiment(props: { id: string }) {
  const experiment = load(
    () => props.id,
    (id) => read(api.experiments[":id"].$get({ param: { id } })),
  );
  const metrics = load(
    () => props.id,
    async (id) => (await read(api.experiments[":id"].metrics.$get({ param: { id } }))).data,
  );
  // base model, method, LoRA settings and downloads (again once the tuned model exists)
  const setup = load(
    () => (experiment.data() ? { id: props.id, tuned: experiment.data()?.tunedModel ?? null } : null),
    (k) => read(api.experiments[":id"].setup.$get({ param: { id: k.id } })),
  );
  const run = load(
    () => experiment.data()?.evalRunId,
    (id) => read(api["eval-runs"][":id"].$get({ param: { id } })),
  );
  const projectOf = load(
    () => experiment.data()?.projectId,
    (id) => projectName(id),
  );
  const project = () => projectOf.data() ?? "";
  usePage({
    title: () => {
      const e = experiment.data();
      return e
        ? `${e.name} (${e.kind === "baseline" ? "baseline" : "experiment"})${project() ? ` · ${project()}` : ""}`
        : `experiment ${props.id}`;
    },
    project,
  });
  const graderSets = load(
    () => project() || null,
    (p) => read(api.projects[":project"].graders.$get({ param: { project: p } })),
  );
  const datasets = load(
    () => (project() && experiment.data()?.datasetVersionId ? project() : null),
    async (p) => (await read(api.projects[":project"].datasets.$get({ param: { project: p } }))).data,
  );
  const datasetRef = (id: string) => {
    for (const d of datasets.data() ?? [])
      for (const v of d.versions) if (v.id === id) return { ref: v.ref, name: d.name, number: v.number };
    return undefined;
  };
  const primaryMetric = () => graderSets.data()?.versions.find((v) => v.id === run.data()?.graderSetId)?.primaryMetric;

  // live: status, messages, metrics appended as they arrive, eval progress
  const [liveStatus, setLiveStatus] = createSignal<string>();
  const [log, setLog] = createSignal<Array<{ at: string; text: string }>>([]);
  const [liveMetrics, setLiveMetrics] = createSignal<MetricRow[]>([]);
  const [evalProgress, setEvalProgress] = createSignal<{ done: number; total: number; passed: number; failed: number; errored: number }>();
  const [trainProgress, setTrainProgress] = createSignal<{ step: number; total: number }>();
  const reload = throttle(() => {
    experiment.refetch();
    run.refetch();
  }, 300);
  const stamp = () => new Date().toLocaleTimeString("en-GB");
  onLive("experiment", (e) => {
    if (e.experimentId !== props.id) return;
    setLiveStatus(e.status);
    setLog((l) => [...l.slice(-199), { at: stamp(), text: `${e.status}: ${e.message}` }]);
    reload();
    if (FINISHED.has(e.status)) metrics.refetch();
  });
  onLive("warning", (e) => {
    if (e.experimentId !== props.id) return;
    setLog((l) => [...l.slice(-199), { at: stamp(), text: `warning: ${e.message}` }]);
    reload();
  });
  onLive("early-stop", (e) => {
    if (e.experimentId !== props.id) return;
    setLog((l) => [...l.slice(-199), { at: stamp(), text: `stopped early at step ${e.step}; the tuned model keeps step ${e.bestStep}` }]);
    reload();
  });
  onLive("metrics", (e) => {
    if (e.experimentId !== props.id) return;
    setTrainProgress({ step: e.step, total: e.totalSteps });
    setLiveMetrics((rows) => [
      ...rows,
      {
        experiment_id: e.experimentId,
        step: e.step,
        total_steps: e.totalSteps,
        train_loss: e.trainLoss,
        valid_loss: e.validLoss,
        train_accuracy: null,
        valid_accuracy: null,
      },
    ]);
  });
  onLive("eval", (e) => {
    if (e.experimentId !== props.id) return;
    setEvalProgress(e.progress);
    if (e.progress.done === e.progress.total) reload();
  });

  const status = () => {
    const stored = experiment.data()?.status ?? "created";
    const live = liveStatus();
    return FINISHED.has(stored) || !live ? stored : live;
  };
  const rows = createMemo(() => {
    const stored = metrics.data() ?? [];
    const last = stored.at(-1)?.step ?? -1;
    const extra = liveMetrics().filter((m) => m.step > last);
    return extra.length ? [...stored, ...extra] : stored;
  });
  const hasAccuracy = () => rows().some((r) => r.train_accuracy !== null || r.valid_accuracy !== null);
  const progress = () => {
    const live = trainProgress();
    if (live) return live;
    const last = rows().at(-1);
    return last?.total_steps ? { step: last.step, total: last.total_steps } : undefined;
  };
  const aggregates = () => run.data()?.aggregates;

  return (
    <section class="experiment">
      <Show when={experiment.error()}>
        <ErrorNotice error={experiment.error()} what={`experiment ${props.id}`} />
      </Show>
      <Show when={experiment.data()} fallback={<Show when={!experiment.error()}>{<Loading what="the experiment" />}</Show>}>
        {(e) => (
          <>
            <div class="page-head">
              <p class="muted">
                <Show when={project()}>
                  <a href={`/projects/${project()}`}>{project()} leaderboard</a> ›{" "}
                </Show>
                experiment <code>{e().id}</code>
              </p>
              <h1>
                {e().name} <StatusBadge status={status()} />
                {e().kind === "baseline" && <span class="tag">baseline</span>}
              </h1>
              <CopyLink project={project()} experiment={e()} />
              <Show when={e().error && e().status === "failed"}>
                <Notice kind="error" title="This experiment failed">
                  <p>{e().error}</p>
                  <p>
                    A failed experiment stays as it is, for the record. Fix the cause, then create it again with the same settings (
                    <a href={project() ? `/projects/${project()}/experiments/new?from=${e().id}` : "/"}>New experiment from this one</a>,
                    ticking “create it even if an identical experiment exists”).
                  </p>
                </Notice>
              </Show>
              <Show when={e().warnings.length > 0}>
                <Notice kind="warning" title={`The provider warned about this experiment's training`}>
                  <ul data-testid="experiment-warnings">
                    <For each={e().warnings}>{(warning) => <li>{warning}</li>}</For>
                  </ul>
                </Notice>
              </Show>
              <Show when={e().earlyStop}>
                {(stop) => (
                  <Notice kind="info" title={`Training stopped early, at step ${stop().step}`}>
                    <div data-testid="experiment-early-stop">
                      <p>
                        Validation stopped improving, so the tuned model keeps the weights of step {stop().bestStep} (validation loss{" "}
                        {stop().bestValidLoss.toFixed(4)}), not those of the last step.
                      </p>
                      <p class="muted">{stop().message}</p>
                    </div>
                  </Notice>
                )}
              </Show>
            </div>

            <div class="card">
              <div class="card-head">
                <h2>Status</h2>
                <div class="start-links">
                  <Show when={status() === "created"}>
                    <RunButton id={e().id} onDone={reload} />
                  </Show>
                  <Show when={!FINISHED.has(status())}>
                    <CancelButton id={e().id} name={e().name} onDone={reload} />
                  </Show>
                  {/* finished, or never run: nothing of it is in flight */}
                  <Show when={FINISHED.has(status()) || status() === "created"}>
                    <DeleteButton
                      id={e().id}
                      name={e().name}
                      project={project()}
                      tunedModel={e().tunedModel}
                      baseline={e().kind === "baseline"}
                      onDone={reload}
                    />
                  </Show>
                </div>
              </div>
              <ol class="timeline" aria-label="status timeline">
                <For each={e().kind === "baseline" ? STAGES.filter((s) => s !== "uploading" && s !== "training") : [...STAGES]}>
                  {(stage) => {
                    const index = () => STAGES.indexOf(stage);
                    const current = () => STAGES.indexOf(status() as (typeof STAGES)[number]);
                    const bad = () => (status() === "failed" || status() === "cancelled") && stage === "completed";
                    return (
                      <li
                        classList={{
                          done: current() > index() || status() === "completed",
                          current: current() === index() && status() !== "completed",
                          bad: bad(),
                        }}
                      >
                        {bad() ? status() : stage}
                        <Show when={stage === "created"}>
                          <div class="muted">{when(e().createdAt)}</div>
                        </Show>
                        <Show when={stage === "completed" && e().finishedAt}>
                          <div class="muted">{when(e().finishedAt)}</div>
                        </Show>
                      </li>
                    );
                  }}
                </For>
              </ol>
              <Show when={log().length > 0}>
                <pre class="log" aria-live="polite" data-testid="live-log">
                  {log()
                    .map((l) => `${l.at}  ${l.text}`)
                    .join("\n")}
                </pre>
              </Show>
            </div>

            <div class="grid-2">
              <div class="card">
                <h2>Configuration</h2>
                <dl class="kv">
                  <dt>base model</dt>
                  <dd>
                    {e().baseModel} <span class="muted">({e().provider})</span>
                  </dd>
                  <dt>method</dt>
                  <dd data-testid="method">{e().method === "none" ? "none (baseline)" : e().method}</dd>
                  <dt>dataset</dt>
                  <dd>
                    <Show when={e().datasetVersionId} fallback="— (baseline)">
                      {(id) => (
                        <a
                          href={`/projects/${project()}/datasets?dataset=${datasetRef(id())?.name ?? ""}&v=${datasetRef(id())?.number ?? ""}`}
                        >
                          {datasetRef(id())?.ref ?? id()}
                        </a>
                      )}
                    </Show>
                  </dd>
                  <For each={Object.entries(e().hyperparameters.resolved ?? e().hyperparameters.requested)}>
                    {([k, v]) => (
                      <>
                        <dt>{k}</dt>
                        <dd>
                          {value(v)}
                          {e().hyperparameters.resolved && requestedAuto(e(), k) ? <span class="muted"> (auto)</span> : ""}
                        </dd>
                      </>
                    )}
                  </For>
                  <dt>seed</dt>
                  <dd>{e().seed}</dd>
                  <dt>tuned model</dt>
                  <dd>{e().tunedModel ?? "—"}</dd>
                  <dt>trained tokens</dt>
                  <dd data-testid="trained-tokens">
                    {e().kind === "baseline" ? (
                      "— (nothing is trained)"
                    ) : (
                      <>
                        {count(e().trainedTokens)} <span class="muted">({trainedTokensMean(e().provider)})</span>
                      </>
                    )}
                  </dd>
                  <dt>training time</dt>
                  <dd>{duration(e().trainingSeconds)}</dd>
                  <dt>config hash</dt>
                  <dd>
                    <code>{e().configHash.slice(0, 12)}</code>
                  </dd>
                  <Show when={e().notes}>
                    <dt>notes</dt>
                    <dd>{e().notes}</dd>
                  </Show>
                </dl>
              </div>
              <div class="card">
                <div class="card-head">
                  <h2>
                    Training loss <span class="muted">(on assistant tokens)</span>
                  </h2>
                  <Show when={progress()}>
                    {(p) => (
                      <span class="muted" data-testid="train-progress">
                        step {p().step} / {p().total}
                      </span>
                    )}
                  </Show>
                </div>
                <Show when={progress() && !FINISHED.has(status())}>
                  <div class="progress" aria-hidden="true">
                    <div style={{ width: `${Math.min(100, ((progress()?.step ?? 0) / (progress()?.total || 1)) * 100)}%` }} />
                  </div>
                </Show>
                <Show
                  when={rows().length > 0}
                  fallback={
                    <p class="muted">
                      {e().kind === "baseline"
                        ? "A baseline is the base model as is: nothing is trained."
                        : FINISHED.has(status())
                          ? "No training metrics were recorded."
                          : "Waiting for the first training step…"}
                    </p>
                  }
                >
                  <LossChart
                    rows={rows()}
                    experimentId={props.id}
                    name={e().name}
                    project={project()}
                    validationSet={e().validationVersionId !== null}
                  />
                  <Show when={hasAccuracy()}>
                    <h3>
                      Token accuracy <span class="muted">(assistant tokens predicted right)</span>
                    </h3>
                    <AccuracyChart rows={rows()} />
                  </Show>
                </Show>
              </div>
            </div>

            <Show when={setup.data()?.openWeightBase ? setup.data() : undefined}>{(s) => <TrainingSetupCard setup={s()} />}</Show>

            <div class="card">
              <div class="card-head">
                <h2>Evaluation</h2>
                <Show when={run.data()}>
                  {(r) => (
                    <span class="muted">
                      eval run <code>{r().id}</code> · {r().model}
                    </span>
                  )}
                </Show>
              </div>
              <Show when={evalProgress() && status() === "evaluating"}>
                {(_) => {
                  const p = () => evalProgress() ?? { done: 0, total: 1, passed: 0, failed: 0, errored: 0 };
                  return (
                    <>
                      <p class="muted" data-testid="eval-progress">
                        scored {p().done} of {p().total} items · {p().passed} passed · {p().failed} failed · {p().errored} errored
                      </p>
                      <div class="progress">
                        <div style={{ width: `${(p().done / (p().total || 1)) * 100}%` }} />
                      </div>
                    </>
                  );
                }}
              </Show>
              <Show when={run.error()}>
                <ErrorNotice error={run.error()} what="the eval run" />
              </Show>
              <Show when={(run.data()?.samplingNotes.length ?? 0) > 0}>
                <Notice kind="warning" title="The model refused some of the eval's sampling parameters">
                  <ul data-testid="sampling-notes">
                    <For each={run.data()?.samplingNotes ?? []}>{(note) => <li>{note}</li>}</For>
                  </ul>
                </Notice>
              </Show>
              <Show
                when={aggregates()}
                fallback={
                  <p class="muted">
                    {FINISHED.has(status())
                      ? "No eval run finished for this experiment."
                      : "The test split is scored once training finishes."}
                  </p>
                }
              >
                {(agg) => (
                  <div class="table-wrap">
                    <table data-testid="grader-summary">
                      <thead>
                        <tr>
                          <th scope="col">grader</th>
                          <th scope="col" class="num">
                            mean
                          </th>
                          <th scope="col">95% CI</th>
                          <th scope="col" class="num">
                            pass rate
                          </th>
                          <th scope="col" class="num">
                            passed
                          </th>
                          <th scope="col" class="num">
                            failed
                          </th>
                          <th scope="col" class="num">
                            errored
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={Object.entries(agg().graders)}>
                          {([name, s]) => (
                            <tr>
                              <td>{name}</td>
                              <td class="num">{score(s.mean)}</td>
                              <td class="muted">{s.ci.mean ? `${score(s.ci.mean.low)} – ${score(s.ci.mean.high)}` : "—"}</td>
                              <td class="num">{percent(s.passRate, 1)}</td>
                              <td class="num">{s.passed}</td>
                              <td class="num">{s.failed}</td>
                              <td class={`num ${s.errored > 0 ? "errored" : ""}`}>{s.errored}</td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </div>
                )}
              </Show>
            </div>

            <Show when={run.data()?.status === "completed" && (run.data()?.trials ?? 1) > 1 ? run.data() : undefined}>
              {(r) => <TrialsCard run={r()} primary={primaryMetric() ?? ""} />}
            </Show>

            <Show when={run.data()?.status === "completed" ? run.data() : undefined}>
              {(r) => (
                <SampleTable run={r()} project={project()} primary={primaryMetric()} tags={Object.keys(aggregates()?.byTag ?? {}).sort()} />
              )}
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

/** Whether the experiment asked for `auto` for this hyperparameter (the number shown is what the provider resolved). */
function requestedAuto(experiment: ExperimentT, key: string): boolean {
  const requested: Record<string, unknown> = experiment.hyperparameters.requested;
  return requested[key] === "auto";
}
