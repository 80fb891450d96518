// Ten support tickets and their teams: the open-weight tests' tiny routing task (OpenAI chat JSONL).

export const TICKETS: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
];

/** Tickets as OpenAI chat JSONL: the system message (unless null), the ticket, its team as the answer. */
export function ticketsJsonl(
  tickets: ReadonlyArray<readonly [string, string]> = TICKETS,
  system: string | null = "Route the ticket.",
): string {
  return `${tickets
    .map(([user, label]) =>
      JSON.stringify({
        messages: [
          ...(system === null ? [] : [{ role: "system", content: system }]),
          { role: "user", content: user },
          { role: "assistant", content: label },
        ],
      }),
    )
    .join("\n")}\n`;
}
