/** Types of drive.mjs (for the e2e test and benchmarks). */
import { type Page } from "playwright-core";
export function selectSeed(page: Page, seed: number): Promise<void>;
