import { createEffect, createSignal, onCleanup } from "solid-js";
import { api, read } from "../api/client.ts";
import type { Project } from "../api/types.ts";

const [project, setProject] = createSignal<string>();

/** The project the current page belongs to when its URL does not name it (an experiment, a comparison). */
export const pageProject = project;

/**
 * For the life of the calling page: the tab's title (`… · tunelab`), and the project it belongs to, which keeps the
 * project's links in the navigation on pages whose URL has no project.
 */
export function usePage(options: { title: () => string; project?: () => string | undefined }): void {
  createEffect(() => {
    const title = options.title();
    document.title = title ? `${title} · tunelab` : "tunelab";
  });
  if (options.project) {
    const of = options.project;
    createEffect(() => setProject(of() || undefined));
    onCleanup(() => setProject(undefined));
  }
}

let projects: Promise<Project[]> | undefined;

/** A project's name from its id (the project list, fetched once per page load; again after a miss). */
export async function projectName(projectId: string): Promise<string | undefined> {
  const fetchAll = () => {
    const list = read(api.projects.$get()).then((r) => r.data);
    list.catch(() => {
      if (projects === list) projects = undefined;
    });
    return list;
  };
  projects ??= fetchAll();
  let found = (await projects).find((p) => p.id === projectId);
  if (!found) {
    projects = fetchAll();
    found = (await projects).find((p) => p.id === projectId);
  }
  return found?.name;
}
