/** Types of dist-record.mjs (plain JavaScript, so that the CLI's launcher can use it without a TypeScript loader). */
import type { Plugin } from "vite";

export const WEB_ROOT: string;
export const WEB_DIST: string;
export const RECORD: string;
export function distRecord(): Plugin;
export function webStaleReason(): string | undefined;
export function rebuildWeb(): Promise<void>;
