import { createSignal, For, Show } from "solid-js";
import { ApiError, api, read } from "../../api/client.ts";
import type { LeakageReport, RefusedFile, ValidationReport } from "../../api/types.ts";
import { fieldErrors } from "../../lib/field-errors.ts";
import { ReportView } from "./ReportView.tsx";
import "../experiment/start.css";

const NEW = "__new__";
const FIELDS = ["dataset", "file", "message", "encoding", "context"];
const HINTS = [[/dataset name|test split; set it/, "dataset"]] as const;

/**
 * Imports a dataset version by upload, as `tunelab data import FILE --dataset NAME -m MESSAGE` does: the API validates
 * the file (OpenAI's rules, line and field in every finding), checks it against the test split, and stores nothing
 * when it has an error. The report is shown as the CLI prints it; a stored version is opened through `onStored`.
 */
export function UploadVersion(props: {
  project: string;
  /** The project's training datasets (the test split is set with `tunelab split FILE --project P`). */
  datasets: string[];
  /** The dataset on screen, chosen first. */
  current?: string | undefined;
  onStored: (dataset: string, version: number) => void;
}) {
  const [open, setOpen] = createSignal(props.datasets.length === 0);
  const [choice, setChoice] = createSignal<string>();
  const [newName, setNewName] = createSignal("train");
  const [file, setFile] = createSignal<File>();
  const [message, setMessage] = createSignal("");
  const [encoding, setEncoding] = createSignal("o200k_base");
  const [context, setContext] = createSignal("16385");
  const [busy, setBusy] = createSignal(false);
  const [errors, setErrors] = createSignal<{ fields: Record<string, string>; general: string[] }>({ fields: {}, general: [] });
  const [report, setReport] = createSignal<{ report: ValidationReport; leakage?: LeakageReport | undefined; stored?: string }>();

  const selected = () => {
    const c = choice();
    if (c) return c;
    if (props.current && props.datasets.includes(props.current)) return props.current;
    return props.datasets[0] ?? NEW;
  };
  const dataset = () => (selected() === NEW ? newName().trim() : selected());
  const error = (field: string) => errors().fields[field];

  let formRef: HTMLFormElement | undefined;
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    setErrors({ fields: {}, general: [] });
    setReport(undefined);
    const chosen = file();
    if (!chosen) {
      setErrors({ fields: { file: "choose an OpenAI fine-tuning JSONL file" }, general: [] });
      formRef?.querySelector<HTMLElement>("#up-file")?.focus();
      return;
    }
    setBusy(true);
    try {
      // the file as is (the API reads bytes, checks UTF-8 and names the line of anything wrong)
      const result = await read(
        api.projects[":project"].datasets[":dataset"].versions.$post(
          {
            param: { project: props.project, dataset: dataset() },
            query: {
              filename: chosen.name.slice(-200),
              ...(message().trim() ? { message: message().trim() } : {}),
              ...(encoding() !== "o200k_base" ? { encoding: encoding() as "cl100k_base" } : {}),
              ...(context().trim() && context().trim() !== "16385" ? { context: context().trim() } : {}),
            },
          },
          { init: { body: chosen, headers: { "content-type": "application/x-ndjson" } } },
        ),
      );
      setReport({ report: result.report, leakage: result.leakage, stored: result.version.ref });
      setFile(undefined);
      setMessage("");
      if (formRef) formRef.reset();
      props.onStored(result.version.name, result.version.number);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && e.details && typeof e.details === "object" && "issues" in e.details) {
        // the 422 body the route declares: the file's report, nothing written
        setReport({ report: e.details as RefusedFile["error"]["details"] });
        queueMicrotask(() => formRef?.querySelector<HTMLElement>(".report-box")?.focus());
      } else {
        // a bad dataset name comes back on the path parameter `dataset`, bad options on their query parameter
        setErrors(fieldErrors(e, FIELDS, HINTS));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="upload-version">
      <Show when={!open()}>
        <button type="button" aria-expanded="false" aria-controls="upload-form" onClick={() => setOpen(true)} data-testid="open-upload">
          Import a version…
        </button>
      </Show>
      <Show when={open()}>
        <form
          class="card start-form"
          id="upload-form"
          ref={formRef}
          aria-label="import a dataset version"
          onSubmit={(e) => void submit(e)}
          novalidate
        >
          <div class="card-head">
            <h2>Import a dataset version</h2>
            <Show when={props.datasets.length > 0}>
              <button type="button" class="link" aria-expanded="true" aria-controls="upload-form" onClick={() => setOpen(false)}>
                Close
              </button>
            </Show>
          </div>
          <p class="muted">
            OpenAI fine-tuning JSONL (chat or preference pairs), checked as{" "}
            <code>tunelab data import FILE --project {props.project} --dataset NAME</code> checks it: a file with any error stores nothing;
            examples that repeat a test item are left out and reported.
          </p>
          <div class="field-grid">
            <div class="field" classList={{ invalid: Boolean(error("dataset")) }}>
              <label for="up-dataset">Dataset</label>
              <select
                id="up-dataset"
                name="dataset"
                aria-invalid={error("dataset") ? "true" : undefined}
                aria-describedby="up-dataset-error"
                onChange={(e) => setChoice(e.currentTarget.value)}
              >
                <For each={props.datasets}>
                  {(d) => (
                    <option value={d} selected={selected() === d}>
                      {d} (next version)
                    </option>
                  )}
                </For>
                <option value={NEW} selected={selected() === NEW}>
                  a new dataset…
                </option>
              </select>
              <Show when={selected() === NEW}>
                <label for="up-new-name" class="sr-only">
                  new dataset name
                </label>
                <input
                  id="up-new-name"
                  name="new-dataset"
                  type="text"
                  autocomplete="off"
                  value={newName()}
                  aria-invalid={error("dataset") ? "true" : undefined}
                  onInput={(e) => setNewName(e.currentTarget.value)}
                />
              </Show>
              <Show when={error("dataset")}>
                <p class="field-error" id="up-dataset-error" role="alert">
                  {error("dataset")}
                </p>
              </Show>
            </div>
            <div class="field" classList={{ invalid: Boolean(error("file")) }}>
              <label for="up-file">JSONL file</label>
              <input
                id="up-file"
                name="file"
                type="file"
                accept=".jsonl,.json,.ndjson,.txt,application/jsonl,application/x-ndjson"
                aria-invalid={error("file") ? "true" : undefined}
                aria-describedby="up-file-error"
                onChange={(e) => setFile(e.currentTarget.files?.[0])}
              />
              <Show when={error("file")}>
                <p class="field-error" id="up-file-error" role="alert">
                  {error("file")}
                </p>
              </Show>
            </div>
            <div class="field" classList={{ invalid: Boolean(error("message")) }}>
              <label for="up-message">Message (what changed)</label>
              <input
                id="up-message"
                name="message"
                type="text"
                autocomplete="off"
                value={message()}
                aria-invalid={error("message") ? "true" : undefined}
                aria-describedby="up-message-error"
                onInput={(e) => setMessage(e.currentTarget.value)}
              />
              <Show when={error("message")}>
                <p class="field-error" id="up-message-error" role="alert">
                  {error("message")}
                </p>
              </Show>
            </div>
          </div>
          <details>
            <summary>Token counting</summary>
            <div class="field-grid">
              <div class="field" classList={{ invalid: Boolean(error("encoding")) }}>
                <label for="up-encoding">Tokenizer</label>
                <select id="up-encoding" name="encoding" onChange={(e) => setEncoding(e.currentTarget.value)}>
                  <option value="o200k_base">o200k_base (GPT-4o family)</option>
                  <option value="cl100k_base">cl100k_base (GPT-4, GPT-3.5)</option>
                </select>
                <Show when={error("encoding")}>
                  <p class="field-error" role="alert">
                    {error("encoding")}
                  </p>
                </Show>
              </div>
              <div class="field" classList={{ invalid: Boolean(error("context")) }}>
                <label for="up-context">Context limit per example (tokens)</label>
                <input
                  id="up-context"
                  name="context"
                  type="text"
                  inputMode="numeric"
                  value={context()}
                  aria-invalid={error("context") ? "true" : undefined}
                  aria-describedby="up-context-error"
                  onInput={(e) => setContext(e.currentTarget.value)}
                />
                <Show when={error("context")}>
                  <p class="field-error" id="up-context-error" role="alert">
                    {error("context")}
                  </p>
                </Show>
              </div>
            </div>
          </details>
          <Show when={errors().general.length > 0}>
            <div class="notice notice-error" role="alert">
              <strong>Nothing was stored</strong>
              <For each={errors().general}>{(m) => <p>{m}</p>}</For>
            </div>
          </Show>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy()} data-testid="upload-submit">
              {busy() ? "Validating…" : "Validate and import"}
            </button>
          </div>
          <Show when={report()}>
            {(r) => (
              <div tabIndex={-1} class="report-box">
                <ReportView report={r().report} leakage={r().leakage} stored={r().stored} />
              </div>
            )}
          </Show>
        </form>
      </Show>
    </div>
  );
}
