/** Regenerates every example dataset (`pnpm examples`). */
import { generate as generateCmudict } from "./cmudict/generate.ts";
import { generate as generateTicketRouting } from "./ticket-routing/generate.ts";

generateTicketRouting();
generateCmudict();
console.log("examples regenerated: ticket-routing, cmudict");
