// retryTransient with real failures of the kinds a provider call has (a 5xx with status, no answer, a 4xx): what is
// tried again, what is not, and what the last failure says.
import { TunelabError } from "@tunelab/base";
import { expect, it } from "vitest";
import { CANNOT_TELL, retryTransient } from "./retry-transient.ts";

const fiveHundred = () =>
  new TunelabError("io_error", "provider p: POST /jobs answered 500: boom", { details: { provider: "p", status: 500 } });
const signal = new AbortController().signal;

it("does not try a creation again when what the first try did cannot be looked up", async () => {
  let tries = 0;
  const error = await retryTransient(
    async () => {
      tries++;
      throw fiveHundred();
    },
    { provider: "p", call: "POST /jobs", signal, baseDelayMs: 1, alreadyDone: async () => CANNOT_TELL },
  ).catch((e: unknown) => e);
  expect(tries).toBe(1);
  expect((error as Error).message).toBe(
    "provider p: POST /jobs answered 500: boom (tried 1 time; not tried again: this host cannot list jobs, so a second try could create a second job)",
  );
});

it("returns what an earlier try did instead of trying again, and throws a 4xx at once", async () => {
  let tries = 0;
  const found = await retryTransient(
    async () => {
      tries++;
      throw fiveHundred();
    },
    { provider: "p", call: "POST /jobs", signal, baseDelayMs: 1, alreadyDone: async () => "job-1" },
  );
  expect([found, tries]).toEqual(["job-1", 1]);
  const refused = new TunelabError("invalid_argument", "bad", { details: { provider: "p", status: 400 } });
  const error = await retryTransient(
    async () => {
      throw refused;
    },
    { provider: "p", call: "POST /jobs", signal, baseDelayMs: 1 },
  ).catch((e: unknown) => e);
  expect(error).toBe(refused);
});
