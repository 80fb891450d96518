import { createMemo, ErrorBoundary, lazy, Match, onCleanup, Show, Suspense, Switch } from "solid-js";
import { ErrorNotice, Loading, Notice } from "./components/Notice.tsx";
import { liveConnected, startLive } from "./lib/live.ts";
import { pageProject, usePage } from "./lib/page.ts";
import { currentUrl, matchRoute, onLinkClick } from "./lib/router.ts";
import { checkSession, session, signOut } from "./lib/session.ts";
import { Projects } from "./pages/Projects.tsx";

// The project list is the entry route; every other page is its own chunk.
const Leaderboard = lazy(() => import("./pages/Leaderboard.tsx"));
const Experiment = lazy(() => import("./pages/Experiment.tsx"));
const Compare = lazy(() => import("./pages/Compare.tsx"));
const Datasets = lazy(() => import("./pages/Datasets.tsx"));
const Graders = lazy(() => import("./pages/Graders.tsx"));
const LearningCurve = lazy(() => import("./pages/LearningCurve.tsx"));
const NewExperiment = lazy(() => import("./pages/NewExperiment.tsx"));
const Login = lazy(() => import("./pages/Login.tsx"));

function NotFound() {
  usePage({ title: () => "No such page" });
  return (
    <Notice kind="empty" title="No such page">
      <p>
        Nothing lives at <code>{currentUrl().pathname}</code>. Start from the <a href="/">project list</a>.
      </p>
    </Notice>
  );
}

export function App() {
  const route = createMemo(() => matchRoute(currentUrl().pathname));
  // an experiment or a comparison names no project in its URL: the page says which one it belongs to
  const project = () => route().params.project ?? pageProject() ?? "";
  if (route().name !== "login") startLive();
  void checkSession().catch(() => undefined);
  document.addEventListener("click", onLinkClick);
  onCleanup(() => document.removeEventListener("click", onLinkClick));
  return (
    <div class="app">
      <header class="top">
        <a href="/" class="brand">
          tunelab
        </a>
        <nav aria-label="Main">
          <a href="/" aria-current={route().name === "projects" ? "page" : undefined}>
            Projects
          </a>
          <Show when={project()}>
            <a href={`/projects/${project()}`} aria-current={route().name === "leaderboard" ? "page" : undefined}>
              Leaderboard
            </a>
            <a href={`/projects/${project()}/datasets`} aria-current={route().name === "datasets" ? "page" : undefined}>
              Datasets
            </a>
            <a href={`/projects/${project()}/curve`} aria-current={route().name === "curve" ? "page" : undefined}>
              Learning curve
            </a>
          </Show>
          <a
            href={project() ? `/projects/${project()}/graders` : "/graders"}
            aria-current={route().name === "graders" ? "page" : undefined}
          >
            Graders
          </a>
        </nav>
        <span class={`live ${liveConnected() ? "on" : ""}`} title={liveConnected() ? "live updates on" : "live updates reconnecting"}>
          {liveConnected() ? "● live" : "○ offline"}
        </span>
        <Show when={session()?.tokenRequired && session()?.authenticated}>
          <button type="button" class="link" onClick={() => void signOut().then(() => location.assign("/login"))}>
            Sign out
          </button>
        </Show>
      </header>
      <main>
        <ErrorBoundary fallback={(error) => <ErrorNotice error={error} what="this page" />}>
          <Suspense fallback={<Loading what="the page" />}>
            <Switch>
              <Match when={route().name === "projects"}>
                <Projects />
              </Match>
              <Match when={route().name === "leaderboard"}>
                <Leaderboard project={project()} />
              </Match>
              <Match when={route().name === "datasets"}>
                <Datasets project={project()} />
              </Match>
              <Match when={route().name === "curve"}>
                <LearningCurve project={project()} />
              </Match>
              <Match when={route().name === "graders"}>
                <Graders project={project()} />
              </Match>
              <Match when={route().name === "new-experiment"}>
                <NewExperiment project={project()} />
              </Match>
              <Match when={route().name === "experiment"}>
                <Experiment id={route().params.id ?? ""} />
              </Match>
              <Match when={route().name === "compare"}>
                <Compare />
              </Match>
              <Match when={route().name === "login"}>
                <Login />
              </Match>
              <Match when={route().name === "not-found"}>
                <NotFound />
              </Match>
            </Switch>
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
