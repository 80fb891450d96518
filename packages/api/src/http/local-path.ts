/** Control characters (C0, DEL, C1) and whitespace of any kind: browsers drop tabs and newlines from a URL. */
const UNSAFE = /[\p{Cc}\s]/u;
const BASE = "http://x";

/**
 * The path on this server to go to after signing in, or "/" for anything else: another origin (`//evil.example`,
 * `/\evil.example`, `https://…`), a control character or whitespace (a browser strips `/\t/evil.example` to
 * `//evil.example`; CR/LF would split the `Location` header). The path is resolved against a fixed origin and returned
 * as the URL parser writes it (percent-encoded), so what the browser follows is exactly what was checked.
 */
export function localPath(next: string | null | undefined): string {
  if (!next?.startsWith("/") || UNSAFE.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/";
  }
  const path = url.pathname;
  if (url.origin !== BASE || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  return path + url.search + url.hash;
}
