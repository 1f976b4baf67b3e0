/**
 * The method registry: the one place where every built-in inversion method is registered by name
 * (pgd included), so `getMethod("pgd")` works whatever module was imported first. New methods plug
 * in with {@link registerMethod}; `A+gd`, `A+adam` and `A+pgd` hybrids are made on demand.
 */
import { OptionError } from "../errors.js";
import { type CustomMethodName, hybridParts, type MethodName } from "./method-names.js";
import { invertExactLayer } from "./exact.js";
import { invertGradient, type Optimizer } from "./descent.js";
import { invertFeasibleLayer } from "./feasible.js";
import { invertL1Layer } from "./l1.js";
import { invertLinfLayer } from "./linf.js";
import { type InversionMethod, runMethod, type WholeNetworkMethod } from "./method.js";
import { projectedGradientDescentWith, type PgdOptions } from "./pgd.js";
import { invertMilp } from "./milp.js";
import { invertRelaxedLayer } from "./relaxed.js";
import { type Generator } from "../model/generator.js";
import { type InversionResult } from "./result.js";
import { invertRegion } from "./region.js";
import { invertAuto } from "./auto.js";

export { type InversionMethod, type LayerwiseMethod, runMethod, type WholeNetworkMethod } from "./method.js";
export { hybridParts } from "./method-names.js";

const methods = new Map<string, InversionMethod>();

/**
 * Add (or replace) a method under its name: a layer-wise inverter the shared driver runs, or a
 * whole-network method.
 * @param method the method, with a name not containing `+` (hybrids of it are made on demand)
 * @returns the name, typed for invert() and getMethod(); its hybrids are typed by {@link methodName}
 * @throws nothing
 * @example
 * ```ts
 * import { invert, methodName, randomGenerator, registerMethod, RELU } from "geninv";
 * const zeroStart = registerMethod({
 *   name: "gd-from-zero",
 *   kind: "whole",
 *   description: "gradient descent from z = 0",
 *   invert: (gen, y, options) => invert(gen, y, { ...options, method: "gd", init: "zero" }),
 * });
 * const gen = randomGenerator({ sizes: [2, 10, 30], activation: RELU, rng: 4 });
 * const x = gen.forward([1, 0.5]);
 * invert(gen, x, { method: zeroStart, iterations: 50 });
 * invert(gen, x, { method: methodName("gd-from-zero+adam"), iterations: 50 });
 * ```
 */
export function registerMethod(method: InversionMethod): CustomMethodName {
  methods.set(method.name, method);
  return method.name as CustomMethodName;
}

/**
 * A run-time string (a CLI flag, a config file) checked to name a method — a registered one or a
 * hybrid of one — and returned typed: the explicit widening from `string` to {@link MethodName}.
 * @param name the string to check
 * @returns the same name, typed
 * @throws OptionError naming the known methods when it names none
 * @example
 * ```ts
 * import { getMethod, methodName } from "geninv";
 * const fromUser: string = "linf+gd";
 * console.log(getMethod(methodName(fromUser)).description);
 * ```
 */
export function methodName(name: string): MethodName {
  return lookup(name).name as MethodName;
}

/**
 * The method called `name`. `A+gd` / `A+adam` name the hybrid of any registered method A refined
 * by gradient descent / Adam (e.g. `linf+gd`); `A+pgd` runs projected gradient descent from A's
 * answer (e.g. `adam+pgd`). A typo is a type error; a run-time string goes through {@link methodName}.
 * @param name a built-in name, a hybrid, or a custom name from registerMethod / methodName
 * @returns the method (its `kind`, `description`, and the inverter that runMethod runs)
 * @throws OptionError naming the known methods (only for custom names no longer registered)
 * @example
 * ```ts
 * import { getMethod } from "geninv";
 * const m = getMethod("linf");
 * if (m.kind !== "layerwise") throw new Error("linf is layer-wise (Algorithm 1)");
 * console.log(getMethod("exact+adam").description);
 * ```
 */
export function getMethod(name: MethodName): InversionMethod {
  return lookup(name);
}

/** The method called `name`, made on demand when it is a hybrid. @throws OptionError naming the known methods */
function lookup(name: string): InversionMethod {
  const m = methods.get(name);
  if (m) return m;
  const hybrid = hybridParts(name);
  const base = hybrid ? methods.get(hybrid.base) : undefined;
  if (hybrid && base && !base.name.includes("+") && !(base.name === "pgd" && hybrid.then === "pgd")) {
    const then = hybrid.then;
    const pgd = methods.get("pgd");
    const made = then === "pgd" ? (pgd ? startedMethod(base, pgd) : undefined) : hybridMethod(base, then);
    if (made) {
      methods.set(name, made);
      return made;
    }
  }
  throw new OptionError(`unknown method '${name}' (known: ${[...methods.keys()].join(", ")}, and <method>+gd / <method>+adam / <method>+pgd)`);
}

/** A warning of method `name` with the name in front, once (gradient methods already prefix their own). */
export function prefixed(name: string, warning: string): string {
  return warning.startsWith(`${name}: `) ? warning : `${name}: ${warning}`;
}

/** Method A, then a whole-network method B started from A's answer (B keeps the better fit). */
function startedMethod(base: InversionMethod, then: InversionMethod): WholeNetworkMethod {
  const name = `${base.name}+${then.name}`;
  return {
    name,
    kind: "whole",
    description: `${base.name}, then ${then.name} started from its answer`,
    invert: (gen, y, options) => {
      const t0 = performance.now();
      const first = runMethod(base, gen, y, options);
      const second = runMethod(then, gen, y, { ...options, init: first.z });
      return {
        ...second,
        method: name,
        timeMs: performance.now() - t0,
        warnings: [...first.warnings.map((w) => prefixed(base.name, w)), ...second.warnings],
      };
    },
  };
}

/** Method A, then gradient descent from A's answer (the paper's future work: LP → GD). */
function hybridMethod(base: InversionMethod, optimizer: Optimizer): WholeNetworkMethod {
  const name = `${base.name}+${optimizer}`;
  return {
    name,
    kind: "whole",
    description: `${base.name}, then ${optimizer === "gd" ? "gradient descent" : "Adam"} from its answer`,
    invert: (gen, y, options) => {
      const t0 = performance.now();
      const first = runMethod(base, gen, y, options);
      const refined = invertGradient(gen, y, { lineSearch: true, ...options, init: first.z, restarts: 1 }, optimizer, name);
      const warnings = [...first.warnings.map((w) => prefixed(base.name, w)), ...refined.warnings];
      if (first.status === "non_unique") warnings.push(`${base.name} found the pre-image not unique: the refined z is one candidate, not identified`);
      return {
        ...refined,
        status: first.status === "non_unique" ? "non_unique" : refined.status,
        layers: first.layers,
        timeMs: performance.now() - t0,
        warnings,
      };
    },
  };
}

/**
 * Every registered method: the built-ins (BUILTIN_METHOD_NAMES) and those added by registerMethod.
 * @returns the methods in the order they were registered
 * @throws nothing
 * @example
 * ```ts
 * import { listMethods } from "geninv";
 * for (const m of listMethods()) console.log(`${m.name} (${m.kind}): ${m.description}`);
 * ```
 */
export function listMethods(): InversionMethod[] {
  return [...methods.values()];
}

registerMethod({
  name: "exact",
  kind: "layerwise",
  description: "Theorem 2: least squares on each layer's active rows; exact for realizable inputs",
  layer: invertExactLayer,
});

registerMethod({
  name: "linf",
  kind: "layerwise",
  description: "Algorithm 1: ℓ∞ LP per layer, ε found by searching the grid ε₀·αᵗ (LeakyReLU: Remark 1)",
  layer: invertLinfLayer,
  refine: "linf",
});

registerMethod({
  name: "l1",
  kind: "layerwise",
  description: "Algorithm 2: ℓ1 LP per layer, ε raised by α until the layer's ℓ1 fit stops improving",
  layer: invertL1Layer,
  refine: "l1",
});

registerMethod({
  name: "relaxed",
  kind: "layerwise",
  description: "eq. (8): relaxed LP per layer, ε = the data's own ℓ∞ noise bound (Algorithm 1's search)",
  layer: invertRelaxedLayer,
  refine: "linf",
});

registerMethod({
  name: "feasible",
  kind: "layerwise",
  description: "LP (4): realizable feasibility LP per layer; infeasible when no input reproduces the output",
  layer: invertFeasibleLayer,
});

registerMethod({
  name: "gd",
  kind: "whole",
  description: "gradient descent on ½‖A·G(z) − y‖² (the paper's baseline: learning rate 1, 1000 iterations)",
  invert: (gen, y, options) => invertGradient(gen, y, options, "gd"),
});

registerMethod({
  name: "adam",
  kind: "whole",
  description: "Adam on ½‖A·G(z) − y‖² with random restarts (Bora et al.'s csgm)",
  invert: (gen, y, options) => invertGradient(gen, y, options, "adam"),
});

registerMethod({
  name: "pgd",
  kind: "whole",
  description: "projected gradient descent for y = A·G(z) + e, projecting with a layer-wise inverter (default l1)",
  invert: (gen, y, options) => projectedGradientDescent(gen, y, options),
});

registerMethod({
  name: "milp",
  kind: "whole",
  description: "global optimum of ‖A·G(z) − x‖∞ (or ℓ1) over a z box by mixed-integer programming (HiGHS); proves optimality or reports the open gap",
  invert: (gen, y, options) => invertMilp(gen, y, options),
});

/**
 * Recover z from y = A·G(z*) + e by projected gradient descent, projecting onto the range of G with
 * the registered method named by `options.projection` (default `l1`); see invert/pgd.ts.
 * @param gen the generator G
 * @param y the m measurements of `options.operator` (default the identity: y = G(z*) + e)
 * @param options PGD's options (pgdIterations, pgdStep, projection, …) and the shared ones
 * @returns the iterate whose measurements fit best, with its status and stopping rule
 * @throws ShapeError / InvalidValueError for bad y; OptionError for bad settings or a projection that is not an inverter
 * @example
 * ```ts
 * import { applyOperator, gaussianOperator, projectedGradientDescent, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20, 60], activation: RELU, rng: 5 });
 * const A = gaussianOperator(30, 60, 6);
 * const y = applyOperator(A, gen.forward([1, -0.5, 0.8]), new Float64Array(30));
 * const r = projectedGradientDescent(gen, y, { operator: A, pgdIterations: 10 });
 * console.log(r.status, r.residual.linf);
 * ```
 */
export function projectedGradientDescent(gen: Generator, y: ArrayLike<number>, options: PgdOptions = {}): InversionResult {
  return projectedGradientDescentWith(gen, y, options, projectionMethod);
}

/**
 * The method PGD projects with: a layer-wise inverter (exact, linf, l1, relaxed, feasible) or one
 * refined by descent (`l1+gd`, `linf+adam`), since the projection P_G(v) = G(ẑ(v)) must invert G
 * from a point off its range, which is what the layer-wise LPs do (the paper's section 6).
 * @throws OptionError naming the projection and the accepted kinds
 */
export function projectionMethod(name: string): InversionMethod {
  if (name === "pgd" || hybridParts(name)?.then === "pgd")
    throw new OptionError(`pgd cannot project with itself ('${name}'): choose a layer-wise method, e.g. projection l1 or l1+gd`);
  let method: InversionMethod;
  try {
    method = lookup(name);
  } catch (e) {
    throw e instanceof OptionError ? new OptionError(`projection: ${e.message}`) : e;
  }
  const base = hybridParts(name)?.base ?? name;
  if (lookup(base).kind !== "layerwise") {
    const layerwise = listMethods()
      .filter((m) => m.kind === "layerwise")
      .map((m) => m.name);
    throw new OptionError(`projection '${name}' is not a layer-wise method: pgd projects with one of ${layerwise.join(", ")}, optionally refined (e.g. l1+gd)`);
  }
  return method;
}

registerMethod({
  name: "region",
  kind: "whole",
  description: "region descent: least squares on each activation region's affine map, line search on ‖A·G(z) − y‖₂, layer-wise and random starts",
  invert: (gen, y, options) => invertRegion(gen, y, options, "l2", "region"),
});

registerMethod({
  name: "region-linf",
  kind: "whole",
  description: "region descent with Algorithm 1's ℓ∞ LP written in z on each activation region, line search on ‖A·G(z) − y‖∞",
  invert: (gen, y, options) => invertRegion(gen, y, options, "linf", "region-linf"),
});

registerMethod({
  name: "region-l1",
  kind: "whole",
  description: "region descent with Algorithm 2's ℓ1 LP written in z on each activation region, line search on ‖A·G(z) − y‖₁",
  invert: (gen, y, options) => invertRegion(gen, y, options, "l1", "region-l1"),
});

registerMethod({
  name: "auto",
  kind: "whole",
  description:
    "the default: exact (Theorem 2) when the data are realizable and identified layer by layer, region descent from the layer-wise answer otherwise; producedBy names which",
  invert: (gen, y, options) => invertAuto(gen, y, options),
});
