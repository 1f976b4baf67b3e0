/** `npm run bench`: every benchmark, printing tables (never part of the test command). */
import { benchExact } from "./exact.js";

const only = process.argv[2];
const benches: Record<string, () => void | Promise<void>> = {
  exact: benchExact,
};
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
