import { downloadSnapshot, parseHubRef } from "@tunelab/engine/hub";
import cliProgress from "cli-progress";
import { color } from "../output.ts";

export interface DownloadOptions {
  json: boolean;
  endpoint?: string | undefined;
  token?: string | undefined;
  hfHome?: string | undefined;
}

/** `hf:ORG/NAME[@REV]` → a snapshot directory in the Hugging Face cache (downloaded, resumed or reused), with a progress bar. */
export async function downloadForRegistration(source: string, options: DownloadOptions): Promise<{ dir: string; name: string }> {
  const ref = parseHubRef(source);
  const tty = process.stderr.isTTY && !options.json;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${ref.repo} ${color.cyan("{bar}")} {percentage}% {value}/{total} MB {file}`,
          barsize: 24,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastLine = 0;
  const dir = await downloadSnapshot(source, {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.token ? { token: options.token } : {}),
    ...(options.hfHome ? { hfHome: options.hfHome } : {}),
    onProgress: (p) => {
      if (bar) {
        if (!started) bar.start(Math.max(1, Math.ceil(p.overallTotal / 1e6)), 0, { file: p.file });
        started = true;
        bar.update(Math.floor(p.overallBytes / 1e6), { file: p.file });
      } else if (Date.now() - lastLine > 2000 || p.overallBytes >= p.overallTotal) {
        lastLine = Date.now();
        process.stderr.write(
          `downloading ${ref.repo}: ${Math.floor(p.overallBytes / 1e6)}/${Math.ceil(p.overallTotal / 1e6)} MB (${p.file})\n`,
        );
      }
    },
  });
  bar?.stop();
  const name = ref.repo.split("/").pop() ?? ref.repo;
  return { dir, name };
}
