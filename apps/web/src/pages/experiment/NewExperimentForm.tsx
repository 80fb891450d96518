import { createEffect, createMemo, createSignal, For, type JSX, on, Show } from "solid-js";
import { api, read } from "../../api/client.ts";
import type { BaseModelInfo, Experiment } from "../../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../../components/Notice.tsx";
import { fieldErrors } from "../../lib/field-errors.ts";
import { count } from "../../lib/format.ts";
import { load } from "../../lib/load.ts";
import { navigate } from "../../lib/router.ts";
import {
  COMMON,
  DPO_ONLY,
  type HyperField,
  inputValue,
  LORA,
  LORA_TARGETS,
  methodFields,
  requestedHyperparameters,
  SUPERVISED_ONLY,
} from "./hyperparameter-fields.ts";
import { settingsOf } from "./prefill.ts";
import "./start.css";

export type StartKind = "experiment" | "baseline";
/** What a base model can be trained with (the API's list). */
type Method = BaseModelInfo["methods"][number];

/** Every field the API may name; an error on another path is shown above the buttons. */
const FIELDS = [
  "model",
  "dataset",
  "validation",
  "method",
  "seed",
  "suffix",
  "name",
  "notes",
  "evaluation.trials",
  "evaluation.temperature",
  "evaluation.graderTimeoutSeconds",
  "evaluation.graderAttempts",
  "hyperparameters.training_type",
  "hyperparameters.lora_target_modules",
  ...[...COMMON, ...SUPERVISED_ONLY, ...DPO_ONLY, ...LORA].map((f) => `hyperparameters.${f.key}`),
];
/** Core's messages that name their field in words. */
const HINTS = [[/^no version |^no dataset |--dataset|training data|examples; a training job/, "dataset"]] as const;

/**
 * Run a baseline (a base model scored as is) or create and run an experiment: dataset version, base model, method and
 * hyperparameters, LoRA settings on open-weight bases, seed and suffix. The API validates it (nothing is stored when it
 * refuses) and each refusal stands next to the field it names; once created, the experiment's page shows its progress.
 */
export function NewExperimentForm(props: {
  project: string;
  kind: StartKind;
  onKind: (kind: StartKind) => void;
  /** An experiment whose settings fill the form ("New experiment from this one"). */
  from?: string | undefined;
}) {
  const models = load(
    () => true,
    async () => (await read(api.models.$get())).data,
  );
  const datasets = load(
    () => props.project,
    async (project) => (await read(api.projects[":project"].datasets.$get({ param: { project } }))).data.filter((d) => d.role === "train"),
  );
  const versions = createMemo(() => (datasets.data() ?? []).flatMap((d) => [...d.versions].reverse()));

  const [model, setModel] = createSignal("");
  const [dataset, setDataset] = createSignal("");
  const [validation, setValidation] = createSignal("");
  const [method, setMethod] = createSignal<Method>("supervised");
  const [hyper, setHyper] = createSignal<Record<string, string>>({});
  const [trainingType, setTrainingType] = createSignal("auto");
  const [targets, setTargets] = createSignal<string[]>([]);
  const [seed, setSeed] = createSignal("42");
  const [suffix, setSuffix] = createSignal("");
  const [name, setName] = createSignal("");
  const [notes, setNotes] = createSignal("");
  const [trials, setTrials] = createSignal("1");
  const [temperature, setTemperature] = createSignal("");
  const [graderTimeout, setGraderTimeout] = createSignal("");
  const [graderAttempts, setGraderAttempts] = createSignal("");
  const [force, setForce] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [errors, setErrors] = createSignal<{ fields: Record<string, string>; general: string[] }>({ fields: {}, general: [] });
  const [existing, setExisting] = createSignal<Experiment>();

  // "New experiment from this one": its settings fill the form once the lists they refer to are loaded
  const source = load(
    () => props.from || null,
    (id) => read(api.experiments[":id"].$get({ param: { id } })),
  );
  createEffect(
    on([source.data, datasets.data, models.data], ([from, sets, bases]) => {
      if (!from || !sets || !bases) return;
      const refs = new Map<string, string>(sets.flatMap((d) => d.versions.map((v) => [v.id, v.ref] as const)));
      const copy = settingsOf(from, (id) => refs.get(id));
      setModel(copy.model);
      setDataset(copy.dataset);
      setValidation(copy.validation);
      setMethod(copy.method);
      setHyper(copy.hyper);
      setTrainingType(copy.trainingType);
      setTargets(copy.targets);
      setSeed(copy.seed);
      setSuffix(copy.suffix);
      setNotes(copy.notes);
      setTrials(String(from.evaluation?.trials ?? 1));
      setTemperature(from.evaluation?.temperature === undefined ? "" : String(from.evaluation.temperature));
      setGraderTimeout(from.evaluation?.graderTimeoutSeconds === undefined ? "" : String(from.evaluation.graderTimeoutSeconds));
      setGraderAttempts(from.evaluation?.graderAttempts === undefined ? "" : String(from.evaluation.graderAttempts));
    }),
  );

  const chosenModel = () => {
    const list = models.data() ?? [];
    return list.find((m) => m.id === model()) ?? list.find((m) => m.id === "local-tiny") ?? list[0];
  };
  const chosenDataset = () => dataset() || versions()[0]?.ref || "";
  const baseline = () => props.kind === "baseline";
  const lora = () => chosenModel()?.lora === true;
  const error = (field: string) => errors().fields[field];
  const clearError = (field: string) => {
    if (!errors().fields[field]) return;
    const { [field]: _, ...rest } = errors().fields;
    setErrors({ ...errors(), fields: rest });
  };

  const body = (): Record<string, unknown> => {
    const m = chosenModel()?.id ?? model();
    const common = {
      model: m,
      ...(name().trim() ? { name: name().trim() } : {}),
      ...(notes().trim() ? { notes: notes().trim() } : {}),
      ...(force() ? { force: true } : {}),
      ...evaluation(),
    };
    if (baseline()) return { ...common, method: "none" };
    const seedValue = inputValue(seed());
    return {
      ...common,
      dataset: chosenDataset(),
      ...(validation() ? { validation: validation() } : {}),
      method: method(),
      hyperparameters: requestedHyperparameters(hyper(), {
        method: method(),
        lora: lora(),
        trainingType: trainingType(),
        targets: targets(),
      }),
      ...(seedValue === undefined ? {} : { seed: seedValue }),
      ...(suffix().trim() ? { suffix: suffix().trim() } : {}),
    };
  };

  /**
   * Trials per item, temperature and the model graders' deadline and attempts, sent only when the user changed them
   * (the API's defaults otherwise).
   */
  const evaluation = (): Record<string, unknown> => {
    const t = inputValue(trials());
    const set = {
      ...(t === undefined || t === 1 ? {} : { trials: t }),
      ...optional("temperature", temperature()),
      ...optional("graderTimeoutSeconds", graderTimeout()),
      ...optional("graderAttempts", graderAttempts()),
    };
    return Object.keys(set).length === 0 ? {} : { evaluation: set };
  };
  const optional = (key: string, text: string): Record<string, unknown> => {
    const value = inputValue(text);
    return value === undefined ? {} : { [key]: value };
  };

  let formRef: HTMLFormElement | undefined;
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    // "Create without running" (the CLI's --no-run): it waits on its page for "Run now"
    const later = (event.submitter as HTMLButtonElement | null)?.value === "later";
    setBusy(true);
    setExisting(undefined);
    setErrors({ fields: {}, general: [] });
    try {
      const result = await read(
        api.projects[":project"].experiments.$post({
          param: { project: props.project },
          json: { ...body(), ...(later ? { run: false } : {}) } as never,
        }),
      );
      if (result.created) {
        navigate(`/experiments/${result.experiment.id}`);
        return;
      }
      setExisting(result.experiment);
    } catch (e) {
      const found = fieldErrors(e, FIELDS, HINTS);
      // a hyperparameter that is neither a number nor auto fails every branch of its schema: say what it takes
      for (const [field, text] of Object.entries(found.fields))
        if (field.startsWith("hyperparameters.") && text === "Invalid input") found.fields[field] = `${text}: a number, or empty for auto`;
      setErrors(found);
      // the keyboard goes to the first field refused (or the summary)
      queueMicrotask(() => {
        const first = formRef?.querySelector<HTMLElement>("[aria-invalid=true]") ?? formRef?.querySelector<HTMLElement>(".form-errors");
        first?.focus();
      });
    } finally {
      setBusy(false);
    }
  };

  const hyperInput = (field: HyperField) => {
    const key = `hyperparameters.${field.key}`;
    return (
      <Field label={field.label} for={`hp-${field.key}`} error={error(key)} hint={`empty: auto (${field.auto})`}>
        <input
          id={`hp-${field.key}`}
          name={field.key}
          type="text"
          inputMode={field.integer ? "numeric" : "decimal"}
          placeholder="auto"
          autocomplete="off"
          value={hyper()[field.key] ?? ""}
          aria-invalid={error(key) ? "true" : undefined}
          aria-describedby={`hp-${field.key}-error hp-${field.key}-note`}
          onInput={(e) => {
            setHyper({ ...hyper(), [field.key]: e.currentTarget.value });
            clearError(key);
          }}
        />
      </Field>
    );
  };

  return (
    <form
      class="start-form"
      ref={formRef}
      onSubmit={(e) => void submit(e)}
      aria-label={baseline() ? "run a baseline" : "new experiment"}
      novalidate
    >
      <fieldset class="segmented kind">
        <legend class="sr-only">what to start</legend>
        <button type="button" aria-pressed={!baseline()} onClick={() => props.onKind("experiment")}>
          Experiment (train)
        </button>
        <button type="button" aria-pressed={baseline()} onClick={() => props.onKind("baseline")}>
          Baseline (no training)
        </button>
      </fieldset>
      <p class="muted">
        {baseline()
          ? "A baseline scores the base model as it is on the project's test split, so the leaderboard shows what tuning bought."
          : "An experiment trains the base model on a dataset version, then scores the tuned model on the project's test split."}
      </p>

      <Show when={source.data()}>
        {(from) => (
          <p class="note" data-testid="copied-from">
            Settings copied from <a href={`/experiments/${from().id}`}>{from().name}</a> ({from().status}): change what you want to try.
          </p>
        )}
      </Show>
      <Show when={source.error()}>
        <ErrorNotice error={source.error()} what={`experiment ${props.from}`} />
      </Show>
      <Show when={models.error() || datasets.error()}>
        <ErrorNotice error={models.error() ?? datasets.error()} what="the base models and datasets" />
      </Show>
      <Show
        when={models.data() && datasets.data()}
        fallback={<Show when={!models.error() && !datasets.error()}>{<Loading what="base models and datasets" />}</Show>}
      >
        <div class="card">
          <h2>Base model</h2>
          <Field label="Base model" for="f-model" error={error("model")}>
            <select
              id="f-model"
              name="model"
              value={chosenModel()?.id ?? ""}
              aria-invalid={error("model") ? "true" : undefined}
              aria-describedby="f-model-error"
              onChange={(e) => {
                setModel(e.currentTarget.value);
                clearError("model");
              }}
            >
              <For each={["built-in", "open-weight"] as const}>
                {(kind) => (
                  <Show when={(models.data() ?? []).some((m) => m.kind === kind)}>
                    <optgroup label={kind === "built-in" ? "built-in sizes (random init, trained in full)" : "open-weight (LoRA)"}>
                      <For each={(models.data() ?? []).filter((m) => m.kind === kind)}>
                        {(m) => (
                          <option value={m.id} selected={m.id === chosenModel()?.id}>
                            {m.id} · {count(m.parameters)} parameters
                          </option>
                        )}
                      </For>
                    </optgroup>
                  </Show>
                )}
              </For>
            </select>
          </Field>
          <Show when={chosenModel()}>
            {(m) => (
              <p class="muted model-facts" data-testid="model-facts">
                {m().architecture} · {m().dtype} · context {count(m().contextLength)} tokens
                {m().source ? ` · from ${m().source}` : ""}
                {m().lora ? " · tuned with LoRA" : " · starts from seeded random weights (demos, tests, small classifiers)"}
              </p>
            )}
          </Show>
        </div>

        <Show when={!baseline()}>
          <div class="card">
            <h2>Data and method</h2>
            <Show
              when={versions().length > 0}
              fallback={
                <Notice kind="empty" title="No training data yet">
                  <p>
                    Import a dataset version first on the <a href={`/projects/${props.project}/datasets`}>datasets page</a>.
                  </p>
                </Notice>
              }
            >
              <div class="field-grid">
                <Field label="Dataset version" for="f-dataset" error={error("dataset")}>
                  <select
                    id="f-dataset"
                    name="dataset"
                    aria-invalid={error("dataset") ? "true" : undefined}
                    aria-describedby="f-dataset-error"
                    onChange={(e) => {
                      setDataset(e.currentTarget.value);
                      clearError("dataset");
                    }}
                  >
                    <For each={versions()}>
                      {(v) => (
                        <option value={v.ref} selected={v.ref === chosenDataset()}>
                          {v.ref} · {v.exampleCount} examples · {v.format}
                        </option>
                      )}
                    </For>
                  </select>
                </Field>
                <Field label="Validation data (optional)" for="f-validation" error={error("validation")}>
                  <select
                    id="f-validation"
                    name="validation"
                    aria-invalid={error("validation") ? "true" : undefined}
                    aria-describedby="f-validation-error"
                    onChange={(e) => {
                      setValidation(e.currentTarget.value);
                      clearError("validation");
                    }}
                  >
                    <option value="">none</option>
                    <For each={versions()}>
                      {(v) => (
                        <option value={v.ref} selected={v.ref === validation()}>
                          {v.ref} · {v.exampleCount} examples
                        </option>
                      )}
                    </For>
                  </select>
                </Field>
              </div>
              <fieldset class="methods" aria-invalid={error("method") ? "true" : undefined}>
                <legend>Method</legend>
                <For each={chosenModel()?.methods ?? (["supervised"] satisfies Method[])}>
                  {(m) => (
                    <label class="check">
                      <input
                        type="radio"
                        name="method"
                        value={m}
                        checked={method() === m}
                        onChange={() => {
                          setMethod(m);
                          clearError("method");
                        }}
                      />
                      {m === "supervised" ? "supervised (chat examples)" : "dpo (preference pairs)"}
                    </label>
                  )}
                </For>
                <Show when={error("method")}>
                  <p class="field-error" role="alert">
                    {error("method")}
                  </p>
                </Show>
              </fieldset>
            </Show>
          </div>

          <div class="card">
            <h2>Hyperparameters</h2>
            <p class="muted">Leave a field empty for auto (the provider resolves it; the experiment page shows the value used).</p>
            <div class="field-grid">
              <For each={[...COMMON, ...methodFields(method(), lora())]}>{hyperInput}</For>
            </div>
            <Show when={lora()}>
              <h3>LoRA ({chosenModel()?.id} is an open-weight base)</h3>
              <div class="field-grid">
                <Field label="Training type" for="f-training-type" error={error("hyperparameters.training_type")}>
                  <select
                    id="f-training-type"
                    name="training_type"
                    aria-invalid={error("hyperparameters.training_type") ? "true" : undefined}
                    aria-describedby="f-training-type-error"
                    onChange={(e) => {
                      setTrainingType(e.currentTarget.value);
                      clearError("hyperparameters.training_type");
                    }}
                  >
                    <option value="auto" selected={trainingType() === "auto"}>
                      auto (a LoRA adapter)
                    </option>
                    <option value="lora" selected={trainingType() === "lora"}>
                      lora (an adapter)
                    </option>
                    <option value="full" selected={trainingType() === "full"}>
                      full (every weight, small bases)
                    </option>
                  </select>
                </Field>
                <Show when={trainingType() !== "full"}>
                  <For each={LORA}>{hyperInput}</For>
                </Show>
              </div>
              <Show when={trainingType() !== "full"}>
                <fieldset class="targets" aria-invalid={error("hyperparameters.lora_target_modules") ? "true" : undefined}>
                  <legend>Target modules (none ticked: auto, every linear projection)</legend>
                  <For each={LORA_TARGETS}>
                    {(t) => (
                      <label class="check">
                        <input
                          type="checkbox"
                          name="lora_target_modules"
                          value={t}
                          checked={targets().includes(t)}
                          onChange={(e) => {
                            const on = e.currentTarget.checked;
                            setTargets(LORA_TARGETS.filter((x) => (x === t ? on : targets().includes(x))));
                            clearError("hyperparameters.lora_target_modules");
                          }}
                        />
                        <code>{t}</code>
                      </label>
                    )}
                  </For>
                  <Show when={error("hyperparameters.lora_target_modules")}>
                    <p class="field-error" role="alert">
                      {error("hyperparameters.lora_target_modules")}
                    </p>
                  </Show>
                </fieldset>
              </Show>
            </Show>
            <div class="field-grid">
              <Field label="Seed" for="f-seed" error={error("seed")} hint="same seed, same data, same settings: the same model">
                <input
                  id="f-seed"
                  name="seed"
                  type="text"
                  inputMode="numeric"
                  value={seed()}
                  aria-invalid={error("seed") ? "true" : undefined}
                  aria-describedby="f-seed-error f-seed-note"
                  onInput={(e) => {
                    setSeed(e.currentTarget.value);
                    clearError("seed");
                  }}
                />
              </Field>
              <Field label="Suffix (optional)" for="f-suffix" error={error("suffix")} hint="part of the tuned model's name">
                <input
                  id="f-suffix"
                  name="suffix"
                  type="text"
                  autocomplete="off"
                  value={suffix()}
                  aria-invalid={error("suffix") ? "true" : undefined}
                  aria-describedby="f-suffix-error f-suffix-note"
                  onInput={(e) => {
                    setSuffix(e.currentTarget.value);
                    clearError("suffix");
                  }}
                />
              </Field>
            </div>
          </div>
        </Show>

        <div class="card">
          <h2>Scoring</h2>
          <div class="field-grid">
            <Field
              label="Trials per item"
              for="f-trials"
              error={error("evaluation.trials")}
              hint="1 to 100: sample each test item this many times for per-item pass rates and intervals over items and trials"
            >
              <input
                id="f-trials"
                name="trials"
                type="text"
                inputMode="numeric"
                value={trials()}
                aria-invalid={error("evaluation.trials") ? "true" : undefined}
                aria-describedby="f-trials-error f-trials-note"
                onInput={(e) => {
                  setTrials(e.currentTarget.value);
                  clearError("evaluation.trials");
                }}
              />
            </Field>
            <Field
              label="Temperature (optional)"
              for="f-temperature"
              error={error("evaluation.temperature")}
              hint="0 to 2; empty: 0, or 1 with more than one trial (greedy answers would all agree)"
            >
              <input
                id="f-temperature"
                name="temperature"
                type="text"
                inputMode="decimal"
                value={temperature()}
                aria-invalid={error("evaluation.temperature") ? "true" : undefined}
                aria-describedby="f-temperature-error f-temperature-note"
                onInput={(e) => {
                  setTemperature(e.currentTarget.value);
                  clearError("evaluation.temperature");
                }}
              />
            </Field>
            <Field
              label="Grader timeout, seconds (optional)"
              for="f-grader-timeout"
              error={error("evaluation.graderTimeoutSeconds")}
              hint="above 0, at most 3600; empty: 60. How long each request of a model grader (score_model, label_model) may take before it is retried"
            >
              <input
                id="f-grader-timeout"
                name="graderTimeoutSeconds"
                type="text"
                inputMode="decimal"
                value={graderTimeout()}
                aria-invalid={error("evaluation.graderTimeoutSeconds") ? "true" : undefined}
                aria-describedby="f-grader-timeout-error f-grader-timeout-note"
                onInput={(e) => {
                  setGraderTimeout(e.currentTarget.value);
                  clearError("evaluation.graderTimeoutSeconds");
                }}
              />
            </Field>
            <Field
              label="Grader attempts (optional)"
              for="f-grader-attempts"
              error={error("evaluation.graderAttempts")}
              hint="1 to 10; empty: 3. Requests a model grader makes per grade, retrying timeouts, 429 and 5xx"
            >
              <input
                id="f-grader-attempts"
                name="graderAttempts"
                type="text"
                inputMode="numeric"
                value={graderAttempts()}
                aria-invalid={error("evaluation.graderAttempts") ? "true" : undefined}
                aria-describedby="f-grader-attempts-error f-grader-attempts-note"
                onInput={(e) => {
                  setGraderAttempts(e.currentTarget.value);
                  clearError("evaluation.graderAttempts");
                }}
              />
            </Field>
          </div>
        </div>

        <div class="card">
          <h2>Name and notes</h2>
          <div class="field-grid">
            <Field
              label="Name (optional)"
              for="f-name"
              error={error("name")}
              hint={baseline() ? "default: baseline MODEL" : "default: from the data, model and settings"}
            >
              <input
                id="f-name"
                name="name"
                type="text"
                autocomplete="off"
                value={name()}
                aria-invalid={error("name") ? "true" : undefined}
                aria-describedby="f-name-error f-name-note"
                onInput={(e) => {
                  setName(e.currentTarget.value);
                  clearError("name");
                }}
              />
            </Field>
          </div>
          <Field label="Notes (optional)" for="f-notes" error={error("notes")}>
            <textarea
              id="f-notes"
              name="notes"
              rows="2"
              value={notes()}
              aria-invalid={error("notes") ? "true" : undefined}
              aria-describedby="f-notes-error"
              onInput={(e) => {
                setNotes(e.currentTarget.value);
                clearError("notes");
              }}
            />
          </Field>
          <label class="check">
            <input type="checkbox" name="force" checked={force()} onChange={(e) => setForce(e.currentTarget.checked)} />
            Create it even if an identical {baseline() ? "baseline" : "experiment"} exists
          </label>
        </div>

        <Show when={errors().general.length > 0}>
          <div class="form-errors notice notice-error" role="alert" tabIndex={-1}>
            <strong>Nothing was created</strong>
            <For each={errors().general}>{(message) => <p>{message}</p>}</For>
          </div>
        </Show>
        <Show when={Object.keys(errors().fields).length > 0 && errors().general.length === 0}>
          <p class="field-error" role="status">
            Nothing was created: fix the field{Object.keys(errors().fields).length === 1 ? "" : "s"} marked in red (the message is under
            each).
          </p>
        </Show>
        <Show when={existing()}>
          {(e) => (
            <Notice kind="info" title={`An identical ${e().kind === "baseline" ? "baseline" : "experiment"} exists`}>
              <p>
                <a href={`/experiments/${e().id}`}>{e().name}</a> ({e().status}) has the same settings; nothing new was created. Tick
                “Create it even if an identical {e().kind === "baseline" ? "baseline" : "experiment"} exists” to run it again.
              </p>
            </Notice>
          )}
        </Show>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy() || (!baseline() && versions().length === 0)} data-testid="start-submit">
            {busy() ? "Starting…" : baseline() ? "Run baseline" : "Create and run"}
          </button>
          <button type="submit" name="then" value="later" disabled={busy() || (!baseline() && versions().length === 0)}>
            Create without running
          </button>
          <a href={`/projects/${props.project}`}>Back to the leaderboard</a>
        </div>
      </Show>
    </form>
  );
}

/** A labelled input with its hint and, when the API refused it, the API's message right under it. */
function Field(props: { label: string; for: string; error?: string | undefined; hint?: string; children: JSX.Element }) {
  return (
    <div class="field" classList={{ invalid: Boolean(props.error) }}>
      <label for={props.for}>{props.label}</label>
      {props.children}
      <Show when={props.error}>
        <p class="field-error" id={`${props.for}-error`} data-field-error={props.for} role="alert">
          {props.error}
        </p>
      </Show>
      <Show when={props.hint}>
        <p class="field-hint muted" id={`${props.for}-note`}>
          {props.hint}
        </p>
      </Show>
    </div>
  );
}
