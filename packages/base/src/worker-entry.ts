// bundle: keep import.meta.url — this module's own URL tells whether it runs from the TypeScript sources or compiled.

/**
 * The file a worker thread starts from. Compiled (apps/cli/dist/<build>/, where this module is bundled next to every
 * worker entry) it is `<name>.js` beside it; from the TypeScript sources it is `devStub`, the `.mjs` stub that
 * registers tsx and imports the worker's `.ts` entry. `name` is the entry's name in apps/cli/scripts/build.mjs.
 */
export function workerEntry(name: string, devStub: URL, self: string = import.meta.url): URL {
  return /\.[cm]?ts$/.test(new URL(self).pathname) ? devStub : new URL(`./${name}.js`, self);
}
