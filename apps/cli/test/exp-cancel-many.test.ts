// `tunelab exp cancel ID...` cancels several experiments at once (every one a sweep printed): those that had already
// ended are left as they are and named on stderr; an id that names no experiment cancels nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { type SmallTickets, smallTickets } from "./small-tickets.ts";

let tickets: SmallTickets;
let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const created = (epochs: number) => {
  const result = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", String(epochs), "--no-run", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return (result.json() as { id: string }).id;
};
const statusOf = (id: string) => (cli(["exp", "show", id, "--json"]).json() as { status: string }).status;
beforeAll(() => {
  tickets = smallTickets("tunelab-exp-cancel-many-");
  ({ dir, home } = tickets);
}, 120_000);
afterAll(() => tickets?.remove());

describe("tunelab exp cancel with several ids", () => {
  it("cancels nothing when one id names no experiment", () => {
    const id = created(1);
    const result = cli(["exp", "cancel", id, "exp_nosuchexperiment"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("exp_nosuchexperiment");
    expect(statusOf(id)).toBe("created");
  }, 120_000);

  it("cancels the unfinished ones, leaves one already cancelled as it is, and prints them all in order", () => {
    const [a, b, c] = [created(2), created(3), created(4)];
    expect(cli(["exp", "cancel", b]).code).toBe(0);
    const result = cli(["exp", "cancel", a, b, c, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect((result.json() as Array<{ id: string; status: string }>).map((e) => [e.id, e.status])).toEqual([
      [a, "cancelled"],
      [b, "cancelled"],
      [c, "cancelled"],
    ]);
    expect(result.stderr).toContain(`${b} had already been cancelled; left as it is`);
    expect([a, b, c].map(statusOf)).toEqual(["cancelled", "cancelled", "cancelled"]);
    // one id keeps the single-object answer
    const one = cli(["exp", "cancel", a, "--json"]);
    expect(one.code).toBe(0);
    expect(one.json()).toMatchObject({ id: a, status: "cancelled" });
  }, 180_000);
});
