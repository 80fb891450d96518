// The PyTorch side of bench/open-weights.ts: bench/peers/open_weights_peer.py in its own process, on Debian's
// python3-torch with OpenBLAS on 2 threads (as bench/trainer.ts runs its peer).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HfArchitecture } from "../../packages/engine/src/hf/config.ts";
import { peerShapeArgs } from "./open-weights-shapes.ts";
import { openblasEnv } from "./openblas-env.ts";

const SCRIPT = fileURLToPath(new URL("../peers/open_weights_peer.py", import.meta.url));

/** OpenBLAS with this CPU's kernels on `threads` threads (torch.set_num_threads too, through --threads). */
export function peerEnv(threads: number): Record<string, string> {
  return openblasEnv(threads);
}

export interface PeerInfer {
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  prefill_runs: number[];
  decode_runs: number[];
  prefill_tokens_per_cpu_s: number;
  decode_tokens_per_cpu_s: number;
}

export interface PeerTrain {
  tokens_per_s: number;
  seconds_per_step: number;
  step_seconds: number[];
  step_cpu_seconds: number[];
  adapter_params: number;
  /** Loss of every step, warm-up first. */
  losses: number[];
}

export type PeerResult = (PeerInfer | PeerTrain | PeerCheck) & {
  build_seconds: number;
  peak_rss_bytes: number;
  threads: number;
  torch: string;
  /** BLAS libraries mapped into the peer (OpenBLAS when set up as ANCHORS.md says). */
  blas: string[];
};

/** python3 with torch importable (pyenv's python3 may shadow Debian's), or undefined. */
export function findTorchPython(): string | undefined {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}

export interface PeerCheck {
  logits: number[];
  tokens: number[];
}

export type PeerJob =
  | { mode: "infer"; prompt: number; newTokens: number; repeats: number }
  | { mode: "check"; weights: string; ids: readonly number[]; newTokens: number }
  | { mode: "train"; B: number; T: number; steps: number; warmup: number; warmupBatch?: number };

export function peerArgs(arch: HfArchitecture, job: PeerJob, threads = 2): string[] {
  const args = [SCRIPT, "--mode", job.mode, "--threads", String(threads), ...peerShapeArgs(arch)];
  if (job.mode === "infer") args.push("--prompt", String(job.prompt), "--new", String(job.newTokens), "--repeats", String(job.repeats));
  else if (job.mode === "check") args.push("--weights", job.weights, "--ids", job.ids.join(","), "--new", String(job.newTokens));
  else {
    args.push("--batch", String(job.B), "--seq", String(job.T), "--steps", String(job.steps), "--warmup", String(job.warmup));
    if (job.warmupBatch) args.push("--warmup-batch", String(job.warmupBatch));
  }
  return args;
}

/** Runs the peer on `threads` threads; rejects with its last stderr line when it fails. */
export function runPeer(python: string, arch: HfArchitecture, job: PeerJob, threads = 2): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, peerArgs(arch, job, threads), {
      env: { ...process.env, ...peerEnv(threads) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      err += s;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`PyTorch peer exited with ${code}: ${err.trim().split("\n").at(-1) ?? ""}`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as PeerResult);
      } catch {
        reject(new Error(`PyTorch peer printed no result: ${out.slice(-200)}`));
      }
    });
  });
}
