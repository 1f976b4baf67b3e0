/**
 * The shared fixtures (real files written by PyTorch and NumPy) live outside the repository, in
 * `../shared/fixtures` beside the checkout; a user's checkout has no such folder. Tests that read
 * them use `describe.skipIf(!FIXTURES)(fixtureSuite("…"), …)` so they skip with a clear message.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../shared/fixtures/", import.meta.url));

/** Absolute path of the shared fixtures folder, or null when it is absent. */
export const FIXTURES: string | null = existsSync(join(dir, "README.md")) ? dir : null;

/** Path of one fixture file (only call inside a suite guarded by {@link FIXTURES}). */
export function fixture(name: string): string {
  if (!FIXTURES) throw new Error("shared fixtures are absent");
  return join(FIXTURES, name);
}

/** A suite title that says why it is skipped when the fixtures are absent. */
export function fixtureSuite(title: string): string {
  if (FIXTURES) return title;
  const msg = `[skipped: ../shared/fixtures not found beside the repository] ${title}`;
  console.warn(`geninv tests: ${msg}`);
  return msg;
}
