/** `npm run bench`: every benchmark, printing tables (never part of the test command). */
import { benchExact } from "./exact.js";
import { benchGd } from "./gd.js";

const only = process.argv[2];
const benches: Record<string, () => void | Promise<void>> = {
  exact: benchExact,
  gd: benchGd,
};
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
