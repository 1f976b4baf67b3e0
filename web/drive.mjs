/**
 * Steps that drive the built page, shared by the e2e test, bench/web and screenshot.mjs, so the
 * three select a sample the way a visitor does and wait for the same signal.
 */
/* global document -- the callback of page.waitForFunction runs in the page */

/**
 * Select the sample `seed` (the seed field and its change event, as a visitor types it) and wait
 * until the page has drawn it (#clean's data-source reads `sample:<seed>`).
 * @param {import("playwright-core").Page} page
 * @param {number} seed
 * @returns {Promise<void>}
 */
export async function selectSeed(page, seed) {
  await page.fill("#seed", String(seed));
  await page.dispatchEvent("#seed", "change");
  await page.waitForFunction((s) => document.getElementById("clean")?.dataset.source === `sample:${s}`, seed);
}
