/**
 * Entry point of a worker thread of the trial runner (see runner.ts): looks up the trial kind named
 * in workerData, reports the methods it has, then runs each batch it is sent, one message per trial.
 * Only ever started from compiled JavaScript (dist/).
 */
import { parentPort, workerData } from "node:worker_threads";
import { listMethods } from "../invert/registry.js"; // the registry registers every built-in method
import { loadHighsBackend } from "../lp/highs.js";
import { errorMessage } from "../errors.js";
import { isWasmAbort } from "./runner.js";
import { TRIAL_KINDS } from "./trial-kinds.js";

const port = parentPort;
if (!port) throw new Error("experiments/worker.js must run in a worker thread");
const { kind: kindName, config } = workerData as { kind: string; config: unknown };
const kind = TRIAL_KINDS[kindName];
if (!kind) {
  port.postMessage({ type: "init-error", message: `unknown trial kind '${kindName}' (known: ${Object.keys(TRIAL_KINDS).join(", ")})` });
} else {
  let retired = false;
  port.on("message", (msg: { type: "run"; batch: { index: number; trial: unknown }[] }) => {
    for (const { index, trial } of msg.batch) {
      if (retired) return;
      let record: unknown;
      let failed = false;
      try {
        record = kind.run(config, trial);
      } catch (e) {
        failed = true;
        record = kind.failed(config, trial, errorMessage(e));
        // a WebAssembly abort leaves HiGHS unusable in this thread: report, then ask to be replaced
        if (isWasmAbort(e)) retired = true;
      }
      port.postMessage({ type: "result", index, record, failed });
      if (retired) port.postMessage({ type: "retire", reason: `a WebAssembly module aborted in trial ${index}` });
    }
  });
  // HiGHS answers an LP when the engine reports trouble, as in the CLI's own thread
  void loadHighsBackend()
    .catch(() => undefined)
    .then(() => port.postMessage({ type: "ready", methods: listMethods().map((m) => m.name) }));
}
