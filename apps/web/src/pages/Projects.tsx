import { createResource, For, Show } from "solid-js";
import { api, read } from "../api/client.ts";
import type { Project } from "../api/types.ts";
import { ErrorNotice, Loading, Notice } from "../components/Notice.tsx";
import { count, score } from "../lib/format.ts";
import { usePage } from "../lib/page.ts";

interface ProjectSummary extends Project {
  experiments: number;
  running: number;
  best: { name: string; score: number | null; experimentId: string } | null;
  primaryMetric: string | null;
}

async function loadProjects(): Promise<ProjectSummary[]> {
  const { data } = await read(api.projects.$get());
  return Promise.all(
    data.map(async (project) => {
      const board = await read(api.projects[":project"].leaderboard.$get({ param: { project: project.name }, query: {} })).catch(
        () => null,
      );
      const rows = board?.rows ?? [];
      const top = rows.find((r) => r.rank === 1);
      return {
        ...project,
        experiments: rows.length,
        running: rows.filter((r) => !["completed", "failed", "cancelled"].includes(r.status)).length,
        best: top ? { name: top.name, score: top.score, experimentId: top.experimentId } : null,
        primaryMetric: board?.primaryMetric ?? null,
      };
    }),
  );
}

/** Every project with its counts and best score. */
export function Projects() {
  usePage({ title: () => "Projects" });
  const [projects] = createResource(loadProjects);
  return (
    <section>
      <h1>Projects</h1>
      <Show when={!projects.error} fallback={<ErrorNotice error={projects.error} what="projects" />}>
        <Show when={projects()} fallback={<Loading what="projects" />}>
          {(list) => (
            <Show
              when={list().length > 0}
              fallback={
                <Notice kind="empty" title="No projects yet">
                  <p>
                    Create one and import data: <code>tunelab project create ticket-router</code>, then{" "}
                    <code>tunelab data import train.jsonl --project ticket-router --dataset train</code>. Or run <code>tunelab demo</code>{" "}
                    for a complete example.
                  </p>
                </Notice>
              }
            >
              <div class="cards">
                <For each={list()}>
                  {(p) => (
                    <article class="card project-card" data-project={p.name}>
                      <h2>
                        <a href={`/projects/${encodeURIComponent(p.name)}`}>{p.name}</a>
                      </h2>
                      <Show when={p.description}>
                        <p class="muted">{p.description}</p>
                      </Show>
                      <dl class="facts">
                        <div>
                          <dt>datasets</dt>
                          <dd>{count(p.datasets)}</dd>
                        </div>
                        <div>
                          <dt>experiments</dt>
                          <dd>
                            {count(p.experiments)}
                            {p.running > 0 ? ` (${p.running} running)` : ""}
                          </dd>
                        </div>
                        <div>
                          <dt>best {p.primaryMetric ?? "score"}</dt>
                          <dd>
                            <Show when={p.best} fallback="—">
                              {(best) => (
                                <a href={`/experiments/${best().experimentId}`}>
                                  {score(best().score)} <span class="muted">{best().name}</span>
                                </a>
                              )}
                            </Show>
                          </dd>
                        </div>
                      </dl>
                      <p class="links">
                        <a href={`/projects/${encodeURIComponent(p.name)}`}>Leaderboard</a>
                        <a href={`/projects/${encodeURIComponent(p.name)}/datasets`}>Datasets</a>
                        <a href={`/projects/${encodeURIComponent(p.name)}/graders`}>Graders</a>
                      </p>
                    </article>
                  )}
                </For>
              </div>
            </Show>
          )}
        </Show>
      </Show>
    </section>
  );
}
