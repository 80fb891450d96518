/**
 * Models from the Hugging Face Hub, for `tunelab models add hf:ORG/NAME[@REVISION]`.
 *
 * ```ts
 * import { downloadSnapshot, hubSettingsFromEnv } from "@tunelab/engine/hub";
 * const dir = await downloadSnapshot("hf:HuggingFaceTB/SmolLM2-135M-Instruct", {
 *   ...hubSettingsFromEnv(env, homedir()), // HF_TOKEN, HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE
 *   onProgress: (p) => bar.update(p.overallBytes, p.overallTotal),
 * });
 * // dir = $HF_HOME/hub/models--HuggingFaceTB--SmolLM2-135M-Instruct/snapshots/<commit>
 * ```
 *
 * `downloadSnapshot(ref, options)` returns the snapshot folder (its name is the commit hash) holding
 * `config.json`, `tokenizer.json`, `tokenizer_config.json`, the optional `generation_config.json`,
 * `special_tokens_map.json`, `chat_template.jinja|json`, and `model.safetensors` or
 * `model.safetensors.index.json` with its shards, as symlinks into the standard hub cache, so the
 * folder can be registered as a local model directory as is. A snapshot already complete in the
 * cache (written by tunelab, Python's huggingface_hub or huggingface.js) is returned without any
 * request; a branch is therefore not re-checked for new commits once cached (ask for a commit hash,
 * or remove `refs/<branch>`, to move). Downloads resume (`Range`) after an interruption, within a
 * call (retries) and across calls (the `.incomplete` file), and every file's sha256 (LFS) or git
 * blob id is verified; a mismatch deletes the file and registers nothing.
 *
 * Errors are TunelabErrors: `invalid_argument` for a bad reference, a gated or private repository
 * (401/403, with what to do about HF_TOKEN); `not_found` for an unknown repository, revision or file,
 * or a model missing from the cache in offline mode; `validation_failed` for a repository without
 * the files the engine needs (e.g. only `pytorch_model.bin`); `io_error` for network failures,
 * interrupted downloads (run again to resume) and checksum mismatches (naming the file).
 */
export { type DownloadProgress, type DownloadSnapshotOptions, downloadSnapshot } from "./download-snapshot.ts";
export { OPTIONAL_FILES, REQUIRED_FILES, SINGLE_WEIGHTS, WEIGHTS_INDEX } from "./model-files.ts";
export { DEFAULT_REVISION, formatHubRef, HubRef, isCommitHash, parseHubRef } from "./ref.ts";
export { DEFAULT_HUB_ENDPOINT, HubSettings, type HubSettingsInput, hubCacheDir, hubSettingsFromEnv } from "./settings.ts";
