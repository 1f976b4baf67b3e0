/**
 * The names of the inversion methods as types, so that a typo in `invert(gen, x, { method: "lnf" })`
 * is a compile error: the built-in names, the hybrids `A+gd` / `A+adam` / `A+pgd` as template-literal
 * types, and a branded {@link CustomMethodName} for methods a user registers (registerMethod returns
 * one; `methodName(s)` in registry.ts checks a run-time string and returns it typed).
 */

/** The built-in layer-wise methods: Theorem 2, Algorithms 1 and 2, eq. (8) and LP (4). */
export const LAYERWISE_METHOD_NAMES = ["exact", "linf", "l1", "relaxed", "feasible"] as const;
/** The built-in whole-network methods. */
export const WHOLE_METHOD_NAMES = ["gd", "adam", "pgd", "milp", "region", "region-linf", "region-l1", "auto"] as const;
/**
 * Every built-in method name, in the order registry.ts registers them.
 * @example
 * ```ts
 * import { BUILTIN_METHOD_NAMES, getMethod } from "geninv";
 * for (const name of BUILTIN_METHOD_NAMES) console.log(name, getMethod(name).kind);
 * ```
 */
export const BUILTIN_METHOD_NAMES = [...LAYERWISE_METHOD_NAMES, ...WHOLE_METHOD_NAMES] as const;

/**
 * A built-in layer-wise method.
 * @example
 * ```ts
 * import { type LayerwiseName } from "geninv";
 * const projection: LayerwiseName = "l1"; // what pgd projects with by default
 * ```
 */
export type LayerwiseName = (typeof LAYERWISE_METHOD_NAMES)[number];
/**
 * A built-in gradient method: also what a descent hybrid `A+gd` / `A+adam` refines with.
 * @example
 * ```ts
 * import { type GradientName, type MethodName } from "geninv";
 * const then: GradientName = "adam";
 * const hybrid: MethodName = `linf+${then}`;
 * ```
 */
export type GradientName = "gd" | "adam";
/**
 * A built-in method.
 * @example
 * ```ts
 * import { type BuiltinMethodName, invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 1 });
 * const method: BuiltinMethodName = "exact";
 * invert(gen, gen.forward([1, 2]), { method });
 * ```
 */
export type BuiltinMethodName = (typeof BUILTIN_METHOD_NAMES)[number];
/** What a hybrid runs second: gradient descent, Adam or projected gradient descent. */
export type HybridSecond = GradientName | "pgd";
/**
 * A hybrid of built-ins: A, then descent (`linf+gd`, `exact+adam`) or PGD (`adam+pgd`) from A's answer.
 * @example
 * ```ts
 * import { type HybridMethodName } from "geninv";
 * const refined: HybridMethodName = "l1+gd"; // "l1+gdd" or "pgd+pgd" would not compile
 * ```
 */
export type HybridMethodName = `${BuiltinMethodName}+${GradientName}` | `${Exclude<BuiltinMethodName, "pgd">}+pgd`;

declare const customMethod: unique symbol;
/**
 * The name of a method registered by the user (or a hybrid of one), as registerMethod / methodName
 * return it: a plain string is not one, so only checked names reach invert().
 * @example
 * ```ts
 * import { type CustomMethodName, invert, registerMethod } from "geninv";
 * const name: CustomMethodName = registerMethod({ name: "adam-long", kind: "whole", description: "Adam, 5000 steps",
 *   invert: (gen, y, o) => invert(gen, y, { ...o, method: "adam", iterations: 5000 }) });
 * ```
 */
export type CustomMethodName = string & { readonly [customMethod]: true };

/**
 * A method name invert() and getMethod() accept: a built-in, a hybrid of built-ins, or a checked
 * custom name. A typo is a compile error; a run-time string is checked by `methodName(s)`.
 * @example
 * ```ts
 * import { type MethodName, methodName } from "geninv";
 * const names: MethodName[] = ["exact", "linf+gd", "adam+pgd", methodName("region")];
 * ```
 */
export type MethodName = BuiltinMethodName | HybridMethodName | CustomMethodName;

/**
 * The parts of a hybrid name `A+gd`, `A+adam` or `A+pgd` (A run first, then the second from its
 * answer), or null for a plain name.
 */
export function hybridParts(name: string): { base: string; then: HybridSecond } | null {
  const hybrid = /^(.+)\+(gd|adam|pgd)$/.exec(name);
  const base = hybrid?.[1];
  const then = hybrid?.[2];
  return base !== undefined && (then === "gd" || then === "adam" || then === "pgd") ? { base, then } : null;
}
