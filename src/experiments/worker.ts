/**
 * Entry point of a worker thread of the trial runner (see runner.ts). On start it loads the method
 * registry and instantiates HiGHS from the compiled module the runner hands it (workerData.highs);
 * then it waits for `init` (the trial kind by name, and the batch's config), reports the methods it
 * has, and runs each batch it is sent, one message per trial. Only ever started from compiled
 * JavaScript (dist/).
 */
import { parentPort, workerData } from "node:worker_threads";
import { listMethods } from "../invert/registry.js"; // the registry registers every built-in method
import { loadHighsBackend } from "../lp/highs.js";
import { errorMessage } from "../errors.js";
import { isWasmAbort, type TrialKind } from "./runner.js";
import { TRIAL_KINDS } from "./trial-kinds.js";

const port = parentPort;
if (!port) throw new Error("experiments/worker.js must run in a worker thread");
const { highs } = workerData as { highs: object | null };
const wasm = (globalThis as unknown as { WebAssembly: { instantiate(module: object, imports: object): Promise<unknown> } }).WebAssembly;

// HiGHS answers an LP when the engine reports trouble, as in the CLI's own thread; it settles
// either way (a worker without HiGHS still runs the engine)
const highsSettled = new Promise<void>((settle) => {
  const instantiateWasm = highs
    ? (imports: object, receive: (instance: unknown) => void) => void wasm.instantiate(highs, imports).then(receive, () => settle())
    : undefined;
  loadHighsBackend(instantiateWasm ? { instantiateWasm } : {}).then(
    () => settle(),
    () => settle(),
  );
});

type Message = { type: "init"; kind: string; config: unknown } | { type: "run"; batch: { index: number; trial: unknown }[] };

let kind: TrialKind<unknown, unknown, unknown> | undefined;
let config: unknown;
let retired = false;
port.on("message", (msg: Message) => {
  if (msg.type === "init") {
    kind = TRIAL_KINDS[msg.kind] as TrialKind<unknown, unknown, unknown> | undefined;
    config = msg.config;
    if (!kind) port.postMessage({ type: "init-error", message: `unknown trial kind '${msg.kind}' (known: ${Object.keys(TRIAL_KINDS).join(", ")})` });
    else void highsSettled.then(() => port.postMessage({ type: "ready", methods: listMethods().map((m) => m.name) }));
    return;
  }
  if (!kind) return;
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
