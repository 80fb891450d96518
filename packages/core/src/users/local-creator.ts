import { userInfo } from "node:os";

/** Who a local CLI command acts as, recorded as the creator of what it makes: the OS user, or `cli`. */
export function localCreator(): string {
  try {
    const name = userInfo().username.trim();
    return name === "" ? "cli" : name;
  } catch {
    return "cli";
  }
}
