/**
 * Skips for methods built on other branches: until `lp` (linf, l1, relaxed) and `gd` (gd) are
 * merged, the registry lacks them and the tests that need them skip, saying so.
 * After the merge these skips must never fire; remove them then.
 */
import { type TestContext } from "vitest";
import { listMethods } from "../../src/invert/registry.js";

const BRANCH: Record<string, string> = { linf: "lp", l1: "lp", relaxed: "lp", gd: "gd", "linf+gd": "gd" };

/** Skip the running test unless every method in `names` is registered. */
export function requireMethods(ctx: TestContext, ...names: string[]): void {
  const known = new Set(listMethods().map((m) => m.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    ctx.skip(
      `method${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} not registered yet (branch ${[...new Set(missing.map((m) => BRANCH[m] ?? "?"))].join(", ")}); remove this skip after merging`,
    );
  }
}
