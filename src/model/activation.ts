/**
 * Element-wise activations φ of a dense layer: apply, derivative, and inverse where one exists
 * (LeakyReLU's inverse is the paper's eq. (5)).
 */
import { OptionError } from "../errors.js";

/**
 * An activation function φ, applied entry-wise. LeakyReLU's slope is always explicit.
 * @example
 * ```ts
 * import { type Activation, formatActivation, leakyRelu, RELU } from "geninv";
 * const acts: Activation[] = [RELU, leakyRelu(0.2), { kind: "tanh" }];
 * console.log(acts.map(formatActivation).join(" ")); // relu leaky_relu:0.2 tanh
 * ```
 */
export type Activation = { kind: "relu" } | { kind: "leaky_relu"; slope: number } | { kind: "identity" } | { kind: "sigmoid" } | { kind: "tanh" };

/** The activation kinds geninv knows. */
export const ACTIVATION_KINDS = ["relu", "leaky_relu", "identity", "sigmoid", "tanh"] as const;

/**
 * ReLU, max(a, 0): the paper's activation (frozen; compare with `kind`, not by reference).
 * @example
 * ```ts
 * import { applyActivation, RELU } from "geninv";
 * const v = Float64Array.from([-2, 3]);
 * applyActivation(RELU, v);
 * console.log(Array.from(v)); // [ 0, 3 ]
 * ```
 */
export const RELU: Activation = Object.freeze({ kind: "relu" });
/**
 * Identity (a linear last layer), frozen.
 * @example
 * ```ts
 * import { IDENTITY, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 5], activation: [RELU, IDENTITY], rng: 1 });
 * console.log(gen.layers[1]!.activation.kind); // identity
 * ```
 */
export const IDENTITY: Activation = Object.freeze({ kind: "identity" });

/**
 * LeakyReLU with slope `slope` on the negative side: max(a, 0) + slope·min(a, 0).
 * @param slope the negative-side slope, a finite number > 0 (Remark 1: then φ is invertible)
 * @returns the activation
 * @throws OptionError for a slope that is not a finite number > 0
 * @example
 * ```ts
 * import { leakyRelu, randomGenerator } from "geninv";
 * const gen = randomGenerator({ sizes: [10, 50, 200], activation: leakyRelu(0.1), rng: 1 });
 * ```
 */
export function leakyRelu(slope: number): Activation {
  checkSlope(slope, "leaky_relu slope");
  return { kind: "leaky_relu", slope };
}

function checkSlope(slope: number, what: string): void {
  if (typeof slope !== "number" || !Number.isFinite(slope) || slope <= 0) {
    throw new OptionError(`${what} must be a finite number > 0, got ${String(slope)}`);
  }
}

/**
 * Apply φ in place to `v[0..n)`.
 * @param act the activation φ
 * @param v the pre-activations, overwritten by φ(v)
 * @param n how many entries (default all)
 * @returns nothing: v is changed in place
 * @throws nothing
 * @example
 * ```ts
 * import { applyActivation, RELU } from "geninv";
 * const v = new Float64Array([-1, 0.5, 2]);
 * applyActivation(RELU, v); // v = [0, 0.5, 2]
 * ```
 */
export function applyActivation(act: Activation, v: Float64Array, n = v.length): void {
  switch (act.kind) {
    case "relu":
      for (let i = 0; i < n; i++) if (!(v[i]! > 0)) v[i] = 0;
      return;
    case "leaky_relu": {
      const c = act.slope;
      for (let i = 0; i < n; i++) if (v[i]! < 0) v[i] = c * v[i]!;
      return;
    }
    case "identity":
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) v[i] = 1 / (1 + Math.exp(-v[i]!));
      return;
    case "tanh":
      for (let i = 0; i < n; i++) v[i] = Math.tanh(v[i]!);
      return;
  }
}

/**
 * φ'(a) at pre-activation `a` (ReLU's subgradient at 0 is 0).
 * @param act the activation φ
 * @param a the pre-activation
 * @returns φ'(a)
 * @throws nothing
 * @example
 * ```ts
 * import { activationDerivative, leakyRelu } from "geninv";
 * console.log(activationDerivative(leakyRelu(0.1), -3)); // 0.1
 * ```
 */
export function activationDerivative(act: Activation, a: number): number {
  switch (act.kind) {
    case "relu":
      return a > 0 ? 1 : 0;
    case "leaky_relu":
      return a > 0 ? 1 : act.slope;
    case "identity":
      return 1;
    case "sigmoid": {
      const s = 1 / (1 + Math.exp(-a));
      return s * (1 - s);
    }
    case "tanh": {
      const t = Math.tanh(a);
      return 1 - t * t;
    }
  }
}

/** True when φ is a bijection of ℝ onto its range, so a pre-activation is determined by its output. */
export function isInvertible(act: Activation): boolean {
  return act.kind !== "relu";
}

/** The open range of φ's outputs as [lo, hi]; values outside have no pre-image. */
export function activationRange(act: Activation): [number, number] {
  switch (act.kind) {
    case "relu":
      return [0, Infinity];
    case "sigmoid":
      return [0, 1];
    case "tanh":
      return [-1, 1];
    default:
      return [-Infinity, Infinity];
  }
}

/**
 * φ⁻¹(y) for an invertible activation (eq. (5) for LeakyReLU). Outputs outside the range of
 * sigmoid/tanh have no pre-image and give NaN; the caller reports them.
 * @param act an invertible activation (not ReLU)
 * @param y the output φ(a)
 * @returns a, or NaN outside φ's range
 * @throws OptionError for ReLU, which is not invertible
 * @example
 * ```ts
 * import { inverseActivation, leakyRelu } from "geninv";
 * console.log(inverseActivation(leakyRelu(0.1), -0.2)); // -2
 * ```
 */
export function inverseActivation(act: Activation, y: number): number {
  switch (act.kind) {
    case "leaky_relu":
      return y >= 0 ? y : y / act.slope;
    case "identity":
      return y;
    case "sigmoid":
      return y > 0 && y < 1 ? Math.log(y / (1 - y)) : NaN;
    case "tanh":
      return y > -1 && y < 1 ? Math.atanh(y) : NaN;
    case "relu":
      throw new OptionError("relu is not invertible: use the layer's active rows instead");
  }
}

/**
 * Parse a CLI spelling: `relu`, `identity`, `sigmoid`, `tanh`, `leaky_relu:0.1`.
 * @param spec the spelling
 * @returns the activation
 * @throws OptionError for a spelling not understood or a bad slope
 * @example
 * ```ts
 * import { formatActivation, parseActivation } from "geninv";
 * console.log(formatActivation(parseActivation("leaky_relu:0.2"))); // leaky_relu:0.2
 * ```
 */
export function parseActivation(spec: string): Activation {
  const s = spec.trim().toLowerCase();
  if (s === "relu") return RELU;
  if (s === "identity" || s === "linear" || s === "none") return IDENTITY;
  if (s === "sigmoid") return { kind: "sigmoid" };
  if (s === "tanh") return { kind: "tanh" };
  const m = /^(?:leaky_relu|leakyrelu|lrelu)(?::(.*))?$/.exec(s);
  if (m) {
    if (m[1] === undefined || m[1] === "") {
      throw new OptionError(`activation '${spec}': leaky_relu needs an explicit slope, e.g. leaky_relu:0.1`);
    }
    const slope = Number(m[1]);
    if (!Number.isFinite(slope) || slope <= 0) {
      throw new OptionError(`activation '${spec}': slope must be a finite number > 0`);
    }
    return { kind: "leaky_relu", slope };
  }
  throw new OptionError(`unknown activation '${spec}' (expected relu, leaky_relu:<slope>, identity, sigmoid or tanh)`);
}

/**
 * The CLI spelling of an activation (inverse of {@link parseActivation}).
 * @param act the activation
 * @returns its spelling, e.g. `leaky_relu:0.1`
 * @throws nothing
 * @example
 * ```ts
 * import { formatActivation, RELU } from "geninv";
 * console.log(formatActivation(RELU)); // relu
 * ```
 */
export function formatActivation(act: Activation): string {
  return act.kind === "leaky_relu" ? `leaky_relu:${act.slope}` : act.kind;
}

/** Parse a comma list of activations, one per layer, or a single one repeated `layers` times. */
export function parseActivationList(spec: string, layers: number): Activation[] {
  const parts = spec.split(",").map((p) => p.trim());
  if (parts.length === 1) return Array.from({ length: layers }, () => parseActivation(parts[0]!));
  if (parts.length !== layers) {
    throw new OptionError(`--activation lists ${parts.length} activations for ${layers} layers (give one, or one per layer)`);
  }
  return parts.map(parseActivation);
}
