// Tests run the CLI as users do (apps/cli/bin/tunelab.mjs, which runs the compiled build): build it once up front,
// so that no test file pays for (or races on) the rebuild the bin would otherwise make after a source change.
import { ensureBuilt } from "../apps/cli/scripts/build.mjs";

export default async function setup(): Promise<void> {
  await ensureBuilt({ quiet: false });
}
