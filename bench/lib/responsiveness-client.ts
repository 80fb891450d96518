// The heavy clients of bench/lib/responsiveness.ts, in their own process so that building and sending 25 MB bodies
// never counts against the server being measured. Usage: responsiveness-client.ts URL JOB_FILE TRAIN_FILE
import { readFileSync } from "node:fs";
import { reportResult } from "./child.ts";

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the routes' JSON, read by the caller
  body: any;
  /** When the request was sent and answered, ms since the client started. */
  from: number;
  to: number;
}

export interface ClientResult {
  upload: Answer;
  job: Answer;
  imported: Answer;
}

const [url, jobFile, trainFile] = process.argv.slice(2);
if (!url || !jobFile || !trainFile) throw new Error("usage: responsiveness-client.ts URL JOB_FILE TRAIN_FILE");
const start = performance.now();

async function send(request: () => Promise<Response>): Promise<Answer> {
  const from = performance.now() - start;
  const response = await request();
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, from, to: performance.now() - start };
}

const jobForm = new FormData();
jobForm.append("purpose", "fine-tune");
jobForm.append("file", new Blob([readFileSync(jobFile)]), "job.jsonl");
const trainBody = readFileSync(trainFile);

const [{ upload, job }, imported] = await Promise.all([
  (async () => {
    const upload = await send(() => fetch(`${url}/v1/files`, { method: "POST", body: jobForm }));
    const job = await send(() =>
      fetch(`${url}/v1/fine_tuning/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "local-tiny", training_file: upload.body?.id }),
      }),
    );
    return { upload, job };
  })(),
  send(() =>
    fetch(`${url}/api/projects/bench/datasets/train/versions?filename=train.jsonl`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: trainBody,
    }),
  ),
]);
reportResult({ upload, job, imported } satisfies ClientResult);
