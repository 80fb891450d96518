/** Regenerates every example dataset (`pnpm examples`). */
import { generate as generateCmudict } from "./cmudict/generate.ts";
import { generate as generateDigits } from "./digits/generate.ts";
import { generate as generateLongTickets } from "./long-tickets/generate.ts";
import { generate as generateTicketRouting } from "./ticket-routing/generate.ts";

generateTicketRouting();
generateCmudict();
generateLongTickets();
await generateDigits();
console.log("examples regenerated: ticket-routing, cmudict, long-tickets, digits");
