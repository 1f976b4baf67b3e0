/**
 * The headless Chromium this project drives (Debian's `chromium`; CHROMIUM_PATH overrides): one
 * place for the e2e test, bench/web and screenshot.mjs to find it and to launch it the same way.
 */
import { existsSync } from "node:fs";

/** Flags for a headless run on these machines: no sandbox (root in CI), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The first Chromium found: CHROMIUM_PATH, then Debian's paths; undefined when there is none. */
export function findChromium() {
  return [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => !!p && existsSync(p));
}
