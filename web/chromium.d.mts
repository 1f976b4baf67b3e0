/** Types of chromium.mjs (for the e2e test and benchmarks). */
export const CHROMIUM_ARGS: string[];
export function findChromium(): string | undefined;
