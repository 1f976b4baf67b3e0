#!/usr/bin/env node
/**
 * The README's picture of the page (docs/web-page.png): the built page (web/dist, `npm run
 * web:build` first) in headless Chromium (Debian's `chromium`, playwright-core), a sample of the
 * shipped mnist generator with Gaussian noise σ = 0.02 and its bottom half hidden, run through the
 * methods a visitor sees first. `node web/screenshot.mjs [out.png]`.
 */
/* global window -- the callbacks of page.$eval run in the page */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, findChromium } from "./chromium.mjs";
import { selectSeed } from "./drive.mjs";
import { serve } from "./serve.mjs";

const web = dirname(fileURLToPath(import.meta.url));
const outFile = process.argv[2] ?? join(web, "..", "docs", "web-page.png");
const browserPath = findChromium();
if (!browserPath) {
  console.error("web/screenshot.mjs: no Chromium found (install Debian's chromium, or set CHROMIUM_PATH)");
  process.exit(1);
}
if (!existsSync(join(web, "dist", "index.html"))) {
  console.error("web/dist is not built: run `npm run web:build` first");
  process.exit(1);
}
const { server, url } = await serve(join(web, "dist"), 0);
const browser = await chromium.launch({ executablePath: browserPath, headless: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 968, height: 1000 } });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  await selectSeed(page, 4);
  await page.selectOption("#noise-kind", "gaussian");
  await page.$eval("#noise-level", (e) => {
    e.value = "0.02";
    e.dispatchEvent(new Event("input"));
  });
  await page.click('button.preset[data-mask="half:bottom"]');
  const methods = ["auto", "exact", "linf", "l1", "gd", "adam", "linf+gd"];
  await page.$$eval("#methods input", (boxes, want) => boxes.forEach((b) => (b.checked = want.includes(b.value))), methods);
  await page.click("#run");
  await page.waitForSelector("#results[data-state=done]", { timeout: 600_000 });
  await page.waitForSelector("body[data-highs=ready]");
  const top = await page.$eval("#corrupt-section", (e) => e.getBoundingClientRect().top + window.scrollY);
  const bottom = await page.$eval("#methods-section", (e) => e.getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: outFile, clip: { x: 0, y: top - 8, width: 968, height: Math.min(bottom - top + 16, 1568) }, fullPage: true });
  console.log(`wrote ${outFile}`);
} finally {
  await browser.close();
  server.close();
}
