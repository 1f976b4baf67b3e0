/**
 * ONNX models: the protobuf is decoded by the small reader in protobuf.ts (ModelProto → GraphProto →
 * NodeProto / TensorProto / AttributeProto), and a chain of dense ops is mapped to generator layers:
 * `Gemm` (transA, transB, alpha, beta) or `MatMul` + `Add`, then `Relu`, `LeakyRelu` (ONNX's default
 * alpha 0.01), `Sigmoid`, `Tanh`; `Identity`, `Dropout`, `Flatten` and vector `Reshape` are no-ops.
 * Initializers may hold `raw_data` or typed fields. Anything else is named with its node.
 *
 * One concept at ~450 lines — ONNX graph → dense layers: the schema readers (readOnnx, readNode,
 * readTensor, ~130 lines) build the node and initializer tables that the op matcher (onnxLayers)
 * walks, and the wire format itself is already protobuf.ts; splitting the two halves would export
 * the tables only for each other.
 */
import { type Activation } from "../activation.js";
import { type DenseLayer } from "../generator.js";
import { ProtoView } from "./protobuf.js";
import { checkedNumel, type DType, DTYPE_SIZE, type MakeError, stridedTensor, type Tensor, valuesTensor } from "./tensor.js";

/** One graph node as stored. */
export interface OnnxNode {
  name: string;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** An attribute value (the kinds the mapped ops use; others are kept as their type number). */
export type OnnxAttribute =
  | { kind: "float"; value: number }
  | { kind: "int"; value: bigint }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: Tensor }
  | { kind: "floats"; value: number[] }
  | { kind: "ints"; value: bigint[] }
  | { kind: "other"; type: number };

/**
 * A decoded ONNX model: the graph's nodes, initializers and declared inputs/outputs.
 * @example
 * ```ts
 * import { ModelFormatError, type OnnxModel, readOnnx } from "geninv";
 * const m: OnnxModel = readOnnx(Uint8Array.of(0x08, 0x08, 0x3a, 0x03, 0x12, 0x01, 0x67), (msg) => new ModelFormatError(msg));
 * console.log(m.irVersion, m.graphName, m.nodes.length); // 8 g 0
 * ```
 */
export interface OnnxModel {
  /** ModelProto.ir_version. */
  irVersion: number;
  /** Producer name and version (e.g. `pytorch 2.3.0`). */
  producer: string;
  /** The operator sets imported. */
  opsets: { domain: string; version: number }[];
  /** GraphProto.name. */
  graphName: string;
  /** The graph's nodes, in file order. */
  nodes: OnnxNode[];
  /** The constant tensors (weights, biases). */
  initializers: Tensor[];
  /** Graph inputs that are not initializers, with their declared shapes (null for a symbolic dim). */
  inputs: { name: string; shape: (number | string)[] | null }[];
  outputs: { name: string; shape: (number | string)[] | null }[];
}

/** TensorProto.DataType → dtype. */
const ONNX_DTYPES: Readonly<Record<number, DType>> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
  17: "float8_e4m3fn",
  19: "float8_e5m2",
};

/**
 * Decode an ONNX file (protobuf ModelProto): nodes, initializers, inputs and outputs; no layers yet.
 * @param buf the file's bytes
 * @param makeError builds the typed error to throw (ModelFormatError for a model file)
 * @returns the decoded model, for {@link onnxLayers}
 * @throws the `makeError` error naming the message and field at fault
 * @example
 * ```ts
 * import { ModelFormatError, readOnnx } from "geninv";
 * // ModelProto { ir_version: 8, graph: { name: "g" } }, protobuf-encoded by hand
 * const m = readOnnx(Uint8Array.of(0x08, 0x08, 0x3a, 0x03, 0x12, 0x01, 0x67), (msg) => new ModelFormatError(msg));
 * console.log(m.irVersion, m.graphName); // 8 g
 * ```
 */
export function readOnnx(buf: Uint8Array, makeError: MakeError): OnnxModel {
  const model = ProtoView.decode(buf, makeError, "ModelProto");
  const graph = model.message(7, "ModelProto.graph");
  if (!graph) throw makeError("ModelProto has no graph: not an ONNX model");
  const opsets = model.messages(8, "ModelProto.opset_import").map((o) => ({ domain: o.string(1) ?? "", version: Number(o.int(2) ?? 0n) }));
  const initializers = graph.messages(5, "GraphProto.initializer").map((t, i) => readTensor(t, `initializer[${i}]`, makeError));
  if (graph.bytesList(15).length > 0) throw makeError("sparse initializers are not supported", "GraphProto.sparse_initializer");
  const initNames = new Set(initializers.map((t) => t.name));
  const valueInfo = (v: ProtoView): { name: string; shape: (number | string)[] | null } => {
    const name = v.string(1) ?? "";
    const tt = v.message(2, `${v.what}.type`)?.message(1, `${v.what}.type.tensor_type`);
    const shapeMsg = tt?.message(2, `${v.what}.type.tensor_type.shape`);
    const shape = shapeMsg
      ? shapeMsg.messages(1, `${v.what}.shape.dim`).map((d) => {
          const val = d.int(1);
          return val !== undefined ? Number(val) : (d.string(2) ?? "?");
        })
      : null;
    return { name, shape };
  };
  const nodes = graph.messages(1, "GraphProto.node").map((n, i) => readNode(n, i, makeError));
  return {
    irVersion: Number(model.int(1) ?? 0n),
    producer: `${model.string(2) ?? ""} ${model.string(3) ?? ""}`.trim(),
    opsets,
    graphName: graph.string(2) ?? "",
    nodes,
    initializers,
    inputs: graph
      .messages(11, "GraphProto.input")
      .map(valueInfo)
      .filter((v) => !initNames.has(v.name)),
    outputs: graph.messages(12, "GraphProto.output").map(valueInfo),
  };
}

function readNode(n: ProtoView, index: number, makeError: MakeError): OnnxNode {
  const name = n.string(3) || `#${index}`;
  const attributes = new Map<string, OnnxAttribute>();
  for (const a of n.messages(5, `node '${name}'.attribute`)) {
    const an = a.string(1) ?? "";
    const type = Number(a.int(20) ?? 0n);
    let value: OnnxAttribute;
    // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7
    if (type === 1 || (type === 0 && a.msg.has(2))) value = { kind: "float", value: a.float(2) ?? 0 };
    else if (type === 2 || (type === 0 && a.msg.has(3))) value = { kind: "int", value: a.int(3) ?? 0n };
    else if (type === 3) value = { kind: "string", value: a.string(4) ?? "" };
    else if (type === 4) {
      const t = a.message(5, `node '${name}' attribute '${an}'`);
      if (!t) throw makeError(`attribute '${an}' of node '${name}' has no tensor`);
      value = { kind: "tensor", value: readTensor(t, `node '${name}' attribute '${an}'`, makeError) };
    } else if (type === 6) {
      const count = a.fixedCount(7, 4);
      const f = new Float64Array(count);
      a.fixedFloats(7, 4, f);
      value = { kind: "floats", value: Array.from(f) };
    } else if (type === 7) value = { kind: "ints", value: a.ints(8) };
    else value = { kind: "other", type };
    attributes.set(an, value);
  }
  return { name, op: n.string(4) ?? "", domain: n.string(7) ?? "", inputs: n.strings(1), outputs: n.strings(2), attributes };
}

/** A TensorProto as a lazily decoded tensor; data in raw_data or in the typed field for its type. */
function readTensor(t: ProtoView, where: string, makeError: MakeError): Tensor {
  const name = t.string(8) ?? where;
  const err: MakeError = (msg) => makeError(msg, `tensor '${name}'`);
  const dims = t.ints(1).map((d) => (d >= 0n && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : -1));
  const numel = checkedNumel(dims, err);
  const typeNum = Number(t.int(2) ?? 0n);
  const dtype = ONNX_DTYPES[typeNum];
  if (!dtype) throw err(`data type ${typeNum} is not a supported numeric type`);
  if (Number(t.int(14) ?? 0n) === 1 || t.bytesList(13).length > 0) {
    throw err("keeps its data in an external file; geninv reads self-contained .onnx files only (re-export without external data)");
  }
  const raw = t.bytes(9);
  if (raw !== undefined) {
    const need = numel * DTYPE_SIZE[dtype];
    if (raw.length !== need) throw err(`raw_data has ${raw.length} bytes, shape (${dims.join(", ")}) of ${dtype} needs ${need}`);
    return stridedTensor({ name, dtype, shape: dims, strides: null, offset: 0, storage: raw, littleEndian: true, makeError: err });
  }
  const check = (have: number, field: string): void => {
    if (have !== numel) throw err(`${field} holds ${have} values, shape (${dims.join(", ")}) needs ${numel}`);
  };
  let values: Float64Array;
  if (dtype === "float32" || dtype === "float64") {
    const field = dtype === "float32" ? 4 : 10;
    const size = dtype === "float32" ? 4 : 8;
    check(t.fixedCount(field, size), dtype === "float32" ? "float_data" : "double_data");
    values = new Float64Array(numel);
    t.fixedFloats(field, size, values);
  } else {
    const field = dtype === "int64" ? 7 : dtype === "uint32" || dtype === "uint64" ? 11 : 5;
    const ints = field === 11 ? t.uints(field) : t.ints(field);
    check(ints.length, field === 7 ? "int64_data" : field === 11 ? "uint64_data" : "int32_data");
    values = new Float64Array(numel);
    // float16 / bfloat16 values travel as their bit patterns in int32_data
    const bits = new DataView(new ArrayBuffer(2));
    for (let i = 0; i < numel; i++) {
      const v = ints[i]!;
      if (dtype === "float16" || dtype === "bfloat16" || dtype === "float8_e4m3fn" || dtype === "float8_e5m2") {
        const size = DTYPE_SIZE[dtype];
        bits.setUint16(0, Number(BigInt.asUintN(16, v)), true);
        const storage = new Uint8Array(bits.buffer.slice(0, size));
        values[i] = stridedTensor({ name, dtype, shape: [], strides: null, offset: 0, storage, littleEndian: true, makeError: err }).read()[0]!;
      } else values[i] = Number(v);
    }
  }
  return valuesTensor(name, dtype, dims, values);
}

/** A layer under construction while walking the chain. */
interface PendingLayer {
  rows: number;
  cols: number;
  weight: Float64Array;
  bias: Float64Array | null;
  activation: Activation | null;
  name: string;
}

/** A constant value (initializer or Constant output) with its decoded data. */
interface Constant {
  shape: number[];
  data: Float64Array;
}

/**
 * Map the graph's chain of ops from its input to its output onto dense layers (Gemm / MatMul + Add,
 * then an activation); `loadModel` builds the generator from them.
 * @param model the decoded model from {@link readOnnx}
 * @param makeError builds the typed error to throw
 * @returns the dense layers, first (taking z) first
 * @throws the `makeError` error naming the node (and op) that does not fit, or a graph without exactly one data input
 * @example
 * ```ts
 * import { ModelFormatError, onnxLayers, readOnnx } from "geninv";
 * const mk = (msg: string) => new ModelFormatError(msg, { file: "empty.onnx" });
 * const empty = readOnnx(Uint8Array.of(0x08, 0x08, 0x3a, 0x03, 0x12, 0x01, 0x67), mk); // a graph with no nodes
 * try {
 *   onnxLayers(empty, mk);
 * } catch (e) {
 *   if (!(e instanceof ModelFormatError)) throw e;
 *   console.log(e.message); // empty.onnx: the graph has 0 data inputs (none); a generator takes exactly one (z)
 * }
 * ```
 */
export function onnxLayers(model: OnnxModel, makeError: MakeError): DenseLayer[] {
  const nodeErr = (n: OnnxNode, msg: string): Error => makeError(`node '${n.name}' (${n.op}): ${msg}`);
  const constants = new Map<string, Constant | Tensor>();
  for (const t of model.initializers) constants.set(t.name, t);
  const constant = (name: string): Constant | null => {
    const c = constants.get(name);
    if (!c) return null;
    if ("data" in c) return c;
    const v = { shape: [...c.shape], data: c.read() };
    constants.set(name, v);
    return v;
  };
  // fold the constant subgraph: Constant nodes, and Identity / Transpose of constants
  const chainNodes: OnnxNode[] = [];
  for (const n of model.nodes) {
    if (n.domain !== "" && n.domain !== "ai.onnx") throw nodeErr(n, `custom domain '${n.domain}' is not supported`);
    if (n.op === "Constant") {
      const a = n.attributes.get("value");
      const out = n.outputs[0];
      if (!out) throw nodeErr(n, "has no output");
      if (a?.kind === "tensor") constants.set(out, a.value);
      else {
        const f = n.attributes.get("value_float") ?? n.attributes.get("value_floats") ?? n.attributes.get("value_int") ?? n.attributes.get("value_ints");
        if (!f) throw nodeErr(n, "holds a kind of value geninv does not read");
        const vals =
          f.kind === "float" ? [f.value] : f.kind === "int" ? [Number(f.value)] : f.kind === "floats" ? f.value : f.kind === "ints" ? f.value.map(Number) : [];
        constants.set(out, { shape: f.kind === "float" || f.kind === "int" ? [] : [vals.length], data: Float64Array.from(vals) });
      }
      continue;
    }
    if ((n.op === "Identity" || n.op === "Transpose") && n.inputs.length === 1 && constants.has(n.inputs[0]!)) {
      const c = constant(n.inputs[0]!)!;
      if (n.op === "Identity") constants.set(n.outputs[0]!, c);
      else {
        const perm = n.attributes.get("perm");
        if (c.shape.length !== 2 || (perm && !(perm.kind === "ints" && perm.value.length === 2 && perm.value[0] === 1n && perm.value[1] === 0n))) {
          throw nodeErr(n, "only 2-D transposes of constants are supported");
        }
        constants.set(n.outputs[0]!, { shape: [c.shape[1]!, c.shape[0]!], data: transpose(c.data, c.shape[0]!, c.shape[1]!) });
      }
      continue;
    }
    chainNodes.push(n);
  }
  const dataInputs = model.inputs.filter((i) => !constants.has(i.name));
  if (dataInputs.length !== 1) {
    throw makeError(
      `the graph has ${dataInputs.length} data inputs (${dataInputs.map((i) => i.name).join(", ") || "none"}); a generator takes exactly one (z)`,
    );
  }
  if (model.outputs.length !== 1) throw makeError(`the graph has ${model.outputs.length} outputs; a generator has exactly one`);
  const output = model.outputs[0]!.name;
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of chainNodes) {
    for (const i of n.inputs) {
      if (i === "" || constants.has(i)) continue;
      let l = consumers.get(i);
      if (!l) consumers.set(i, (l = []));
      if (!l.includes(n)) l.push(n);
    }
  }
  const layers: PendingLayer[] = [];
  let layout: "any" | "row" | "col" = "any";
  let cur = dataInputs[0]!.name;
  const visited = new Set<OnnxNode>();
  const current = (): PendingLayer | null => {
    const l = layers[layers.length - 1];
    return l && l.activation === null ? l : null;
  };
  const pushLayer = (n: OnnxNode, rows: number, cols: number, weight: Float64Array): void => {
    const prev = layers[layers.length - 1];
    if (prev && prev.rows !== cols) throw nodeErr(n, `takes ${cols} inputs but the layer before it outputs ${prev.rows}`);
    if (prev && prev.activation === null) prev.activation = { kind: "identity" };
    layers.push({ rows, cols, weight, bias: null, activation: null, name: n.name });
  };
  const setLayout = (n: OnnxNode, need: "row" | "col", then: "row" | "col"): void => {
    if (layout !== "any" && layout !== need) {
      throw nodeErr(
        n,
        `expects its input as a ${need === "row" ? "row [batch, features]" : "column [features, batch]"} but the value is laid out as a ${layout}`,
      );
    }
    layout = then;
  };
  while (cur !== output || (consumers.get(cur)?.length ?? 0) > 0) {
    const next = consumers.get(cur) ?? [];
    if (next.length === 0) throw makeError(`value '${cur}' feeds no node but is not the graph output '${output}'`);
    if (next.length > 1)
      throw makeError(`value '${cur}' feeds ${next.length} nodes (${next.map((n) => `'${n.name}'`).join(", ")}); geninv reads a single chain of layers`);
    const n = next[0]!;
    if (visited.has(n)) throw nodeErr(n, "is reached twice: the graph has a cycle");
    visited.add(n);
    const dataPos = n.inputs.indexOf(cur);
    const other = (i: number): Constant => {
      const name = n.inputs[i];
      const c = name ? constant(name) : null;
      if (!c) throw nodeErr(n, `input ${i} ('${name ?? ""}') must be a constant (initializer) for a dense layer`);
      return c;
    };
    switch (n.op) {
      case "MatMul": {
        const c = other(1 - dataPos);
        if (c.shape.length !== 2) throw nodeErr(n, `weight has shape (${c.shape.join(", ")}), expected 2-D`);
        const [r, k] = c.shape as [number, number];
        if (dataPos === 0) {
          setLayout(n, "row", "row"); // x · B with B [in, out]
          pushLayer(n, k, r, transpose(c.data, r, k));
        } else {
          setLayout(n, "col", "col"); // A · x with A [out, in]
          pushLayer(n, r, k, Float64Array.from(c.data));
        }
        break;
      }
      case "Gemm": {
        const alpha = floatAttr(n, "alpha", 1);
        const beta = floatAttr(n, "beta", 1);
        const transA = intAttr(n, "transA", 0) !== 0;
        const transB = intAttr(n, "transB", 0) !== 0;
        if (dataPos !== 0 && dataPos !== 1) throw nodeErr(n, "the data value must be input A or B");
        const w = other(1 - dataPos);
        if (w.shape.length !== 2) throw nodeErr(n, `weight has shape (${w.shape.join(", ")}), expected 2-D`);
        const [r, k] = w.shape as [number, number];
        let rows: number;
        let cols: number;
        let weight: Float64Array;
        if (dataPos === 0) {
          // Y = α·op(A)·op(B) + β·C with the data in A: W = α·op(B)ᵀ
          setLayout(n, transA ? "col" : "row", "row");
          if (transB) [rows, cols, weight] = [r, k, Float64Array.from(w.data)];
          else [rows, cols, weight] = [k, r, transpose(w.data, r, k)];
        } else {
          // data in B: W = α·op(A), output laid out as a column
          setLayout(n, transB ? "row" : "col", "col");
          if (transA) [rows, cols, weight] = [k, r, transpose(w.data, r, k)];
          else [rows, cols, weight] = [r, k, Float64Array.from(w.data)];
        }
        if (alpha !== 1) for (let i = 0; i < weight.length; i++) weight[i] = weight[i]! * alpha;
        pushLayer(n, rows, cols, weight);
        if (n.inputs.length > 2 && n.inputs[2] !== "") {
          const c = other(2);
          addBias(n, current()!, c, beta, layout, nodeErr);
        }
        break;
      }
      case "Add": {
        if (n.inputs.length !== 2) throw nodeErr(n, `has ${n.inputs.length} inputs, expected 2`);
        const layer = current();
        if (!layer) throw nodeErr(n, "adds a constant that is not directly after a MatMul or Gemm, so it is no layer's bias");
        addBias(n, layer, other(1 - dataPos), 1, layout, nodeErr);
        break;
      }
      case "Relu":
      case "LeakyRelu":
      case "Sigmoid":
      case "Tanh": {
        const layer = current();
        if (!layer)
          throw nodeErr(n, layers.length === 0 ? "an activation before any dense layer is not supported" : "a second activation in a row is not supported");
        if (n.op === "LeakyRelu") {
          const slope = floatAttr(n, "alpha", 0.01); // ONNX's default slope
          if (!(slope > 0) || !Number.isFinite(slope)) throw nodeErr(n, `alpha ${slope} must be a finite number > 0`);
          layer.activation = { kind: "leaky_relu", slope };
        } else layer.activation = { kind: n.op === "Relu" ? "relu" : n.op === "Sigmoid" ? "sigmoid" : "tanh" };
        break;
      }
      case "Identity":
      case "Dropout":
        if (n.outputs.slice(1).some((o) => o !== "" && consumers.has(o))) throw nodeErr(n, "its mask output is used");
        break;
      case "Flatten":
        break;
      case "Reshape": {
        const shapeName = n.inputs[1];
        const target = shapeName ? constant(shapeName) : null;
        if (target) {
          const big = Array.from(target.data).filter((d) => d !== 1 && d !== -1 && d !== 0);
          if (big.length > 1) throw nodeErr(n, `reshapes to (${Array.from(target.data).join(", ")}); only reshapes that keep a vector a vector are no-ops`);
        } else throw nodeErr(n, "its target shape is computed, not constant; geninv cannot tell that it keeps a vector");
        layout = "any";
        break;
      }
      default:
        throw nodeErr(n, `unsupported op '${n.op}' (supported: Gemm, MatMul, Add, Relu, LeakyRelu, Sigmoid, Tanh, Identity, Dropout, Flatten, Reshape)`);
    }
    if (n.outputs.length === 0 || !n.outputs[0]) throw nodeErr(n, "has no output");
    cur = n.outputs[0]!;
  }
  if (layers.length === 0) throw makeError("the graph has no Gemm or MatMul: no dense layers to build");
  const unused = chainNodes.filter((n) => !visited.has(n));
  if (unused.length > 0) {
    const n = unused[0]!;
    throw nodeErr(
      n,
      `is not on the chain from input '${dataInputs[0]!.name}' to output '${output}'${unused.length > 1 ? ` (nor are ${unused.length - 1} other nodes)` : ""}`,
    );
  }
  return layers.map((l) => ({
    weight: { rows: l.rows, cols: l.cols, data: l.weight },
    bias: l.bias,
    activation: l.activation ?? { kind: "identity" },
    name: l.name,
  }));
}

function addBias(
  n: OnnxNode,
  layer: PendingLayer,
  c: Constant,
  scale: number,
  layout: "any" | "row" | "col",
  nodeErr: (n: OnnxNode, msg: string) => Error,
): void {
  const m = layer.rows;
  const numel = c.data.length;
  const s = c.shape;
  // shapes that broadcast one value per output unit, for the value's layout
  const scalar = numel === 1 && s.every((d) => d === 1);
  const perUnit =
    numel === m &&
    ((s.length === 1 && layout !== "col") ||
      (s.length === 2 && s[0] === 1 && s[1] === m && layout !== "col") ||
      (s.length === 2 && s[0] === m && s[1] === 1 && layout === "col"));
  if (!scalar && !perUnit) {
    throw nodeErr(
      n,
      `bias of shape (${s.join(", ")}) does not add one value per output of a ${m}-unit layer laid out as a ${layout === "col" ? "column" : "row"}`,
    );
  }
  const bias = layer.bias ?? new Float64Array(m);
  for (let j = 0; j < m; j++) bias[j] = bias[j]! + scale * (scalar ? c.data[0]! : c.data[j]!);
  layer.bias = bias;
}

function floatAttr(n: OnnxNode, name: string, def: number): number {
  const a = n.attributes.get(name);
  if (!a) return def;
  if (a.kind === "float") return a.value;
  if (a.kind === "int") return Number(a.value);
  return def;
}

function intAttr(n: OnnxNode, name: string, def: number): number {
  const a = n.attributes.get(name);
  return a && a.kind === "int" ? Number(a.value) : def;
}

function transpose(data: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]!;
  return out;
}
