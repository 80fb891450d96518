import { For, Show } from "solid-js";
import { api } from "../../api/client.ts";
import type { TrainingSetup } from "../../api/types.ts";
import { count, percent } from "../../lib/format.ts";

const EXPORTS: Record<string, { label: string; hint: string }> = {
  peft: {
    label: "PEFT adapter",
    hint: "adapter_config.json + adapter_model.safetensors, for PEFT, vLLM --lora-modules and llama.cpp's convert_lora_to_gguf.py",
  },
  merged: {
    label: "Merged checkpoint",
    hint: "a full Hugging Face checkpoint with the adapter folded in, for vLLM and transformers",
  },
  gguf: {
    label: "GGUF (Q8_0)",
    hint: "one GGUF file with the tokenizer and chat template, for llama.cpp (llama-server -m), Ollama and LM Studio",
  },
  "gguf-lora": {
    label: "GGUF LoRA adapter",
    hint: "the adapter as a GGUF file, for llama.cpp's --lora on a GGUF of the base model",
  },
};

/** The open-weight part of an experiment: the base checkpoint, the LoRA adapter it trains, and its downloads. */
export function TrainingSetupCard(props: { setup: TrainingSetup }) {
  const base = () => props.setup.openWeightBase;
  const lora = () => props.setup.lora;
  const href = (format: string) =>
    api.experiments[":id"].export.$url({
      param: { id: props.setup.experimentId },
      query: { format: format as "peft" | "merged" | "gguf" | "gguf-lora" },
    }).href;
  return (
    <div class="card" data-testid="training-setup">
      <div class="card-head">
        <h2>Open-weight model</h2>
        <span class="tag">{props.setup.method}</span>
      </div>
      <Show when={base()}>
        {(b) => (
          <dl class="kv">
            <dt>base checkpoint</dt>
            <dd>
              {b().id} <span class="muted">({b().architecture})</span>
            </dd>
            <dt>parameters</dt>
            <dd>
              {count(b().parameters)} <span class="muted">({b().dtype})</span>
            </dd>
            <dt>context</dt>
            <dd>{b().contextLength.toLocaleString("en-US")} tokens</dd>
            <dt>source</dt>
            <dd>
              <code>{b().source}</code>
            </dd>
          </dl>
        )}
      </Show>
      <Show when={props.setup.trainingType === "full"}>
        <h3>Full fine-tuning</h3>
        <dl class="kv">
          <dt>trainable parameters</dt>
          <dd data-testid="trainable-parameters">
            {(props.setup.trainableParameters ?? 0).toLocaleString("en-US")} <span class="muted">(every weight)</span>
          </dd>
        </dl>
      </Show>
      <Show when={lora()}>
        {(l) => (
          <>
            <h3>
              LoRA adapter <Show when={!l().resolved}>{<span class="muted">(auto values until training starts)</span>}</Show>
            </h3>
            <dl class="kv" data-testid="lora-settings">
              <dt>rank</dt>
              <dd>{l().rank}</dd>
              <dt>alpha</dt>
              <dd>
                {l().alpha} <span class="muted">(scale {(l().alpha / l().rank).toPrecision(3)})</span>
              </dd>
              <dt>dropout</dt>
              <dd>{l().dropout}</dd>
              <dt>target modules</dt>
              <dd>{l().targets.join(", ")}</dd>
              <dt>trainable parameters</dt>
              <dd data-testid="trainable-parameters">
                {l().trainableParameters.toLocaleString("en-US")}{" "}
                <span class="muted">({percent(l().trainableFraction, 2)} of the base)</span>
              </dd>
            </dl>
          </>
        )}
      </Show>
      <Show when={props.setup.trainingType}>
        <h3>Download</h3>
        <div class="downloads">
          <For each={Object.keys(EXPORTS)}>
            {(format) => (
              <Show
                when={props.setup.export.formats.includes(format)}
                fallback={
                  <button type="button" disabled title={props.setup.export.reason ?? ""}>
                    {EXPORTS[format]?.label} (.tar)
                  </button>
                }
              >
                <a class="button" href={href(format)} download="" data-format={format} title={EXPORTS[format]?.hint}>
                  {EXPORTS[format]?.label} (.tar)
                </a>
              </Show>
            )}
          </For>
        </div>
        <Show when={props.setup.export.reason}>{(why) => <p class="muted">{why()}</p>}</Show>
      </Show>
    </div>
  );
}
