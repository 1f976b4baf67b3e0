/**
 * From named tensors (a PyTorch state dict, safetensors, .npz) to a generator: the user says which
 * tensors form the layers and which activation follows each, by a list of layer names plus
 * activations, or by a small JSON manifest. Without a list, the order is inferred for
 * `nn.Sequential` keys (`0.weight`, `2.weight`, …) or a plain chain of `*.weight` tensors, and
 * every tensor must then be accounted for, so a BatchNorm or an encoder is never silently skipped.
 */
import { ModelFormatError, OptionError } from "../../errors.js";
import { type Activation, formatActivation, parseActivation, parseActivationList } from "../activation.js";
import { type DenseLayer, Generator } from "../generator.js";
import { firstNonFinite } from "../../linalg/norms.js";
import { type Tensor } from "./tensor.js";

/**
 * One layer of a manifest.
 * @example
 * ```ts
 * import { IDENTITY, type ManifestLayer } from "geninv";
 * const last: ManifestLayer = { weight: "decoder.out.kernel", bias: null, activation: IDENTITY, transpose: true };
 * console.log(last.transpose); // true
 * ```
 */
export interface ManifestLayer {
  /** A layer prefix (`fc3` → `fc3.weight`, `fc3.bias`) or a weight tensor's full name. */
  name?: string;
  /** The weight tensor's name (overrides `name`'s lookup). */
  weight?: string;
  /** The bias tensor's name; `null` for none; absent: `<prefix>.bias` when present. */
  bias?: string | null;
  /** Activation after the layer (CLI spelling, e.g. `relu`, `leaky_relu:0.2`); else the manifest's default. */
  activation?: Activation;
  /** The weight is stored input-major ([n_in, n_out], e.g. Keras / JAX): transpose it. */
  transpose?: boolean;
}

/**
 * Which tensors form the generator: `{"layers": [...], "activation"?: "relu"}`, as parsed by {@link parseManifest}.
 * @example
 * ```ts
 * import { type LayerManifest, RELU } from "geninv";
 * const manifest: LayerManifest = { layers: [{ name: "fc3" }, { name: "fc4" }], activation: RELU };
 * console.log(manifest.layers.map((l) => l.name)); // [ 'fc3', 'fc4' ]
 * ```
 */
export interface LayerManifest {
  /** The layers, first (taking z) first. */
  layers: ManifestLayer[];
  /** Default activation for layers that name none. */
  activation?: Activation;
}

/**
 * How to pick the generator's layers out of a set of named tensors (fields of {@link LoadModelOptions}).
 * @example
 * ```ts
 * import { generatorFromTensors, type LayerSelection, type Tensor } from "geninv";
 * const t = (name: string, shape: number[]): Tensor => ({ name, dtype: "float64", shape, read: () => new Float64Array(shape[0]! * shape[1]!).fill(0.5) });
 * const sel: LayerSelection = { layers: ["fc4"], activation: "identity" }; // fc3 is left out
 * const gen = generatorFromTensors([t("fc3.weight", [4, 2]), t("fc4.weight", [3, 2])], sel, "<memory>");
 * console.log(gen.inputSize, gen.outputSize); // 2 3
 * ```
 */
export interface LayerSelection {
  /** Layer prefixes or weight names, first layer (taking z) first, e.g. `["fc3", "fc4"]`. */
  layers?: readonly string[];
  /** One activation for every layer, one per layer, or a CLI spelling (`relu`, `relu,identity`). */
  activation?: string | Activation | readonly Activation[];
  /** A manifest (exclusive with `layers` and `activation`). */
  manifest?: LayerManifest;
}

/** True when the selection says anything. */
export function hasSelection(sel: LayerSelection): boolean {
  return sel.layers !== undefined || sel.activation !== undefined || sel.manifest !== undefined;
}

/**
 * Build the generator the selection describes from named tensors (what every state-dict loader ends in).
 * @param tensors the named tensors, e.g. a checkpoint's or a safetensors file's
 * @param sel the layer names and activations, or a manifest; empty: infer the chain of `*.weight` tensors
 * @param file names the source in error messages
 * @returns the generator
 * @throws ModelFormatError naming the file and tensor; OptionError for a selection that cannot work
 * @example
 * ```ts
 * import { generatorFromTensors, type Tensor } from "geninv";
 * const w = (name: string, rows: number, cols: number): Tensor => ({ name, dtype: "float32", shape: [rows, cols], read: () => new Float64Array(rows * cols).fill(0.1) });
 * const gen = generatorFromTensors([w("0.weight", 8, 2), w("2.weight", 5, 8)], { activation: "relu" }, "<memory>");
 * console.log(gen.depth, gen.outputSize); // 2 5
 * ```
 */
export function generatorFromTensors(tensors: readonly Tensor[], sel: LayerSelection, file: string): Generator {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const err = (msg: string, field?: string): ModelFormatError => new ModelFormatError(msg, { file, ...(field ? { field } : {}) });
  if (sel.manifest && (sel.layers || sel.activation !== undefined)) {
    throw new OptionError("give either a manifest or --layers/--activation, not both");
  }
  let specs: { weight: Tensor; bias: Tensor | null; name: string; transpose: boolean; activation?: Activation }[];
  if (sel.manifest) {
    specs = sel.manifest.layers.map((l, i) => {
      const where = `manifest layers[${i}]`;
      const found =
        l.weight !== undefined
          ? { weight: byNameOrThrow(byName, l.weight, where, err), bias: biasFor(l.weight, byName), name: l.weight.replace(/\.weight$/, "") }
          : findLayer(l.name ?? "", byName, err, where);
      const bias = l.bias === null ? null : l.bias !== undefined ? byNameOrThrow(byName, l.bias, where, err) : found.bias;
      const act = l.activation ?? sel.manifest!.activation;
      if (!act) throw new OptionError(`${where} has no activation, and the manifest sets no default "activation"`);
      return { weight: found.weight, bias, name: l.name ?? found.name, transpose: l.transpose === true, activation: act };
    });
  } else if (sel.layers) {
    if (sel.layers.length === 0) throw new OptionError("--layers is empty");
    specs = sel.layers.map((n) => ({ ...findLayer(n, byName, err, "--layers"), transpose: false }));
  } else {
    specs = inferLayers(tensors, err).map((s) => ({ ...s, transpose: false }));
  }
  let acts: Activation[];
  if (sel.manifest) acts = specs.map((s) => s.activation!);
  else if (sel.activation === undefined) {
    throw new OptionError(
      `${file} stores weights only, not which activation follows each layer: give --activation (e.g. relu, or one per layer: relu,identity) or a --manifest`,
    );
  } else if (typeof sel.activation === "string") acts = parseActivationList(sel.activation, specs.length);
  else if (Array.isArray(sel.activation)) {
    const list = sel.activation as readonly Activation[];
    if (list.length !== 1 && list.length !== specs.length)
      throw new OptionError(`${list.length} activations for ${specs.length} layers (give one, or one per layer)`);
    acts = specs.map((_s, i) => list[list.length === 1 ? 0 : i]!);
  } else acts = specs.map(() => sel.activation as Activation);

  const layers: DenseLayer[] = specs.map((s, i) => {
    const w = s.weight;
    if (w.shape.length !== 2) {
      throw err(`has shape (${w.shape.join(", ")}); a dense layer's weight is 2-D [outputs, inputs] (geninv inverts fully connected layers only)`, w.name);
    }
    let [rows, cols] = w.shape as [number, number];
    let data = w.read();
    const bad = firstNonFinite(data);
    if (bad >= 0) throw err(`element [${Math.floor(bad / cols)}][${bad % cols}] is ${data[bad]} (weights must be finite)`, w.name);
    if (s.transpose) {
      data = transpose(data, rows, cols);
      [rows, cols] = [cols, rows];
    }
    let bias: Float64Array | null = null;
    if (s.bias) {
      if (s.bias.shape.length !== 1 || s.bias.shape[0] !== rows) {
        throw err(`has shape (${s.bias.shape.join(", ")}), expected (${rows}) to match the weight ${w.name}`, s.bias.name);
      }
      bias = s.bias.read();
      const bb = firstNonFinite(bias);
      if (bb >= 0) throw err(`element [${bb}] is ${bias[bb]} (biases must be finite)`, s.bias.name);
    }
    if (i > 0) {
      const prev = specs[i - 1]!;
      const prevOut = prev.transpose ? prev.weight.shape[1]! : prev.weight.shape[0]!;
      if (cols !== prevOut) {
        throw err(`takes ${cols} inputs but the layer before it (${specs[i - 1]!.name}) outputs ${prevOut}: wrong layer order or a missing layer?`, w.name);
      }
    }
    return { weight: { rows, cols, data }, bias, activation: acts[i]!, name: s.name };
  });
  return new Generator(layers);
}

/** Resolve one `--layers` entry: a weight's full name, `<prefix>.weight`, or a unique `….<prefix>.weight`. */
function findLayer(
  entry: string,
  byName: Map<string, Tensor>,
  err: (msg: string, field?: string) => ModelFormatError,
  where: string,
): { weight: Tensor; bias: Tensor | null; name: string } {
  const e = entry.trim();
  if (e === "") throw new OptionError(`${where}: empty layer name`);
  const direct = byName.get(e);
  if (direct && direct.shape.length >= 2) return { weight: direct, bias: biasFor(e, byName), name: e.replace(/\.weight$/, "") };
  const w = byName.get(`${e}.weight`);
  if (w) return { weight: w, bias: byName.get(`${e}.bias`) ?? null, name: e };
  const suffix = [...byName.keys()].filter((n) => n.endsWith(`.${e}.weight`));
  if (suffix.length === 1) {
    const wn = suffix[0]!;
    return { weight: byName.get(wn)!, bias: biasFor(wn, byName), name: e };
  }
  if (suffix.length > 1) throw new OptionError(`${where}: '${e}' is ambiguous: ${suffix.join(", ")}; give the full name`);
  throw err(`${where}: no tensor '${e}' or '${e}.weight' (weights here: ${weightCandidates([...byName.values()]) || "none"})`);
}

function byNameOrThrow(byName: Map<string, Tensor>, name: string, where: string, err: (msg: string) => ModelFormatError): Tensor {
  const t = byName.get(name);
  if (!t) throw err(`${where}: no tensor '${name}' (tensors here: ${[...byName.keys()].slice(0, 20).join(", ")})`);
  return t;
}

function biasFor(weightName: string, byName: Map<string, Tensor>): Tensor | null {
  if (weightName === "weight") return byName.get("bias") ?? null;
  if (!weightName.endsWith(".weight")) return null;
  return byName.get(weightName.slice(0, -"weight".length) + "bias") ?? null;
}

/** Infer the layers of a pure generator: Sequential order, or file order when the shapes chain. */
function inferLayers(
  tensors: readonly Tensor[],
  err: (msg: string, field?: string) => ModelFormatError,
): { weight: Tensor; bias: Tensor | null; name: string }[] {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  let weights = tensors.filter((t) => (t.name === "weight" || t.name.endsWith(".weight")) && t.shape.length === 2);
  const hint = `give the layers in order, e.g. --layers ${
    weights
      .slice(-2)
      .map((w) => w.name.replace(/\.weight$/, ""))
      .join(",") || "fc1,fc2"
  }, or a --manifest`;
  if (weights.length === 0)
    throw err(
      `has no 2-D '*.weight' tensors to infer layers from (tensors: ${tensors
        .slice(0, 12)
        .map((t) => t.name)
        .join(", ")}); name the layers with --layers or a --manifest`,
    );
  // nn.Sequential: <prefix><index>.weight, ordered by index (activation modules leave gaps)
  const seq = weights.map((w) => /^(|.*\.)(\d+)\.weight$/.exec(w.name));
  if (seq.every((m) => m !== null) && new Set(seq.map((m) => m![1])).size === 1) {
    weights = weights
      .map((w, i) => ({ w, k: Number(seq[i]![2]) }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.w);
  }
  const layers = weights.map((w) => ({ weight: w, bias: biasFor(w.name, byName), name: w.name.replace(/\.weight$/, "") }));
  for (let i = 1; i < layers.length; i++) {
    const prev = layers[i - 1]!.weight;
    const cur = layers[i]!.weight;
    if (cur.shape[1] !== prev.shape[0]) {
      throw err(
        `cannot tell which tensors form the generator: ${cur.name} (${cur.shape.join("×")}) does not follow ${prev.name} (${prev.shape.join("×")}); weights here: ${weightCandidates(tensors)}; ${hint}`,
      );
    }
  }
  const used = new Set(layers.flatMap((l) => [l.weight.name, ...(l.bias ? [l.bias.name] : [])]));
  const unused = tensors.filter((t) => !used.has(t.name));
  if (unused.length > 0) {
    throw err(
      `cannot infer the generator: ${unused.length} tensor${unused.length > 1 ? "s" : ""} would be left unused (${unused
        .slice(0, 6)
        .map((t) => `${t.name} (${t.shape.join("×")})`)
        .join(", ")}${unused.length > 6 ? ", …" : ""}), e.g. a normalization layer geninv cannot map; ${hint}`,
    );
  }
  return layers;
}

function weightCandidates(tensors: readonly Tensor[]): string {
  const w = tensors.filter((t) => t.shape.length === 2);
  const list = w.slice(0, 12).map((t) => `${t.name} ${t.shape.join("×")}`);
  return list.join(", ") + (w.length > 12 ? ", …" : "");
}

function transpose(data: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]!;
  return out;
}

/**
 * Parse a manifest document: `{"layers": [{"name": "fc3", "activation": "relu"}, …], "activation"?: …}`.
 * @param doc the parsed JSON
 * @param file names the manifest in error messages
 * @returns the manifest, activations parsed
 * @throws ModelFormatError naming the manifest file and field
 * @example
 * ```ts
 * import { parseManifest } from "geninv";
 * const m = parseManifest({ layers: [{ name: "fc3", activation: "leaky_relu:0.2" }, { name: "fc4" }], activation: "relu" }, "manifest.json");
 * console.log(m.layers[0]!.activation, m.activation); // { kind: 'leaky_relu', slope: 0.2 } { kind: 'relu' }
 * ```
 */
export function parseManifest(doc: unknown, file: string): LayerManifest {
  const err = (field: string, msg: string): ModelFormatError => new ModelFormatError(msg, { file, field });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw err("(top)", 'expected an object {"layers": [...]}');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d))
    if (!["layers", "activation", "format", "version", "comment"].includes(k)) throw err(k, "unknown field (expected layers, activation)");
  const act = (v: unknown, at: string): Activation | undefined => {
    if (v === undefined) return undefined;
    let spec: string | null = null;
    if (typeof v === "string") spec = v;
    else if (typeof v === "object" && v !== null && "leaky_relu" in v && typeof (v as { leaky_relu: unknown }).leaky_relu === "number") {
      spec = `leaky_relu:${(v as { leaky_relu: number }).leaky_relu}`;
    }
    if (spec !== null) {
      try {
        return parseActivation(spec);
      } catch (e) {
        throw err(at, (e as Error).message);
      }
    }
    throw err(at, `expected an activation such as "relu" or "leaky_relu:0.2", got ${JSON.stringify(v)}`);
  };
  if (!Array.isArray(d.layers) || d.layers.length === 0) throw err("layers", "expected a non-empty list of layers");
  const defaultAct = act(d.activation, "activation");
  const layers = d.layers.map((l: unknown, i: number): ManifestLayer => {
    const at = `layers[${i}]`;
    if (typeof l === "string") return { name: l };
    if (typeof l !== "object" || l === null || Array.isArray(l))
      throw err(at, 'expected a layer name or an object {"name"|"weight", "bias"?, "activation"?, "transpose"?}');
    const o = l as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!["name", "weight", "bias", "activation", "transpose"].includes(k)) throw err(`${at}.${k}`, "unknown field");
    if (o.name !== undefined && typeof o.name !== "string") throw err(`${at}.name`, "expected a string");
    if (o.weight !== undefined && typeof o.weight !== "string") throw err(`${at}.weight`, "expected a tensor name");
    if (o.name === undefined && o.weight === undefined) throw err(at, 'needs "name" (a layer prefix) or "weight" (a tensor name)');
    if (o.bias !== undefined && o.bias !== null && typeof o.bias !== "string") throw err(`${at}.bias`, "expected a tensor name or null");
    if (o.transpose !== undefined && typeof o.transpose !== "boolean") throw err(`${at}.transpose`, "expected true or false");
    const a = act(o.activation, `${at}.activation`);
    return {
      ...(o.name !== undefined ? { name: o.name as string } : {}),
      ...(o.weight !== undefined ? { weight: o.weight as string } : {}),
      ...(o.bias !== undefined ? { bias: o.bias as string | null } : {}),
      ...(a ? { activation: a } : {}),
      ...(o.transpose !== undefined ? { transpose: o.transpose as boolean } : {}),
    };
  });
  return { layers, ...(defaultAct ? { activation: defaultAct } : {}) };
}

/** The manifest equivalent of a generator's layers (for `inspect`), by layer name. */
export function describeSelection(gen: Generator): { name?: string; activation: string }[] {
  return gen.layers.map((l) => ({ ...(l.name ? { name: l.name } : {}), activation: formatActivation(l.activation) }));
}
