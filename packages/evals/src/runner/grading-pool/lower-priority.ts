// Imported first by a background worker's entry (a module evaluated before the others), so the thread runs at the
// lower priority while it loads its modules too, the costliest part of its start.
import { lowerThreadPriority } from "./background-priority.ts";

lowerThreadPriority();
