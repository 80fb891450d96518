import { createSignal } from "solid-js";

/** A minimal History-API router: the URL (path and query) is the state, so every view is a shareable link. */
const [url, setUrl] = createSignal(new URL(location.href));
addEventListener("popstate", () => setUrl(new URL(location.href)));

export const currentUrl = url;

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  const next = new URL(href, location.href);
  if (next.href === location.href) return;
  if (options.replace) history.replaceState(null, "", next);
  else history.pushState(null, "", next);
  setUrl(next);
  if (!options.replace) scrollTo(0, 0);
}

/** Reads one query parameter (reactive). */
export function query(name: string): string {
  return url().searchParams.get(name) ?? "";
}

/** Sets query parameters (empty string or null removes one); filters replace the history entry. */
export function setQuery(patch: Record<string, string | number | null | undefined>, options: { push?: boolean } = {}): void {
  const next = new URL(url().href);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === "") next.searchParams.delete(key);
    else next.searchParams.set(key, String(value));
  }
  navigate(next.pathname + next.search + next.hash, { replace: !options.push });
}

export interface Route {
  name: "projects" | "leaderboard" | "datasets" | "curve" | "graders" | "new-experiment" | "experiment" | "compare" | "login" | "not-found";
  params: Record<string, string>;
}

const PATTERNS: Array<[RegExp, Route["name"], string[]]> = [
  [/^\/$/, "projects", []],
  [/^\/projects\/?$/, "projects", []],
  [/^\/projects\/([^/]+)\/?$/, "leaderboard", ["project"]],
  [/^\/projects\/([^/]+)\/leaderboard\/?$/, "leaderboard", ["project"]],
  [/^\/projects\/([^/]+)\/datasets\/?$/, "datasets", ["project"]],
  [/^\/projects\/([^/]+)\/graders\/?$/, "graders", ["project"]],
  [/^\/projects\/([^/]+)\/curve\/?$/, "curve", ["project"]],
  [/^\/projects\/([^/]+)\/experiments\/new\/?$/, "new-experiment", ["project"]],
  [/^\/graders\/?$/, "graders", []],
  [/^\/experiments\/([^/]+)\/?$/, "experiment", ["id"]],
  [/^\/compare\/?$/, "compare", []],
  [/^\/login\/?$/, "login", []],
];

export function matchRoute(pathname: string): Route {
  for (const [pattern, name, keys] of PATTERNS) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1] ?? "");
    });
    return { name, params };
  }
  return { name: "not-found", params: {} };
}

/** Click handler for in-app links: plain clicks navigate without a reload; modified clicks open as usual. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as HTMLElement).closest("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = anchor.getAttribute("href");
  if (!href?.startsWith("/") || href.startsWith("/api/")) return;
  event.preventDefault();
  navigate(href);
}
