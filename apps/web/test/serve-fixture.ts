// For development: `pnpm exec tsx apps/web/test/serve-fixture.ts` builds nothing; it serves apps/web/dist on a
// fresh workspace seeded with the ticket-routing example and prints the URL. Ctrl-C stops it.
import { fileURLToPath } from "node:url";
import { seedTickets, startServer } from "./fixture-server.ts";

const server = await startServer({ webDir: fileURLToPath(new URL("../dist/", import.meta.url)) });
console.log(`serving ${server.url} (seeding…)`);
await seedTickets(server);
console.log(`ready: ${server.url}/projects/tickets`);
process.on("SIGINT", () => void server.close().then(() => process.exit(0)));
