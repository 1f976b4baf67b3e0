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
/** Every built-in method name, in the order registry.ts registers them. */
export const BUILTIN_METHOD_NAMES = [...LAYERWISE_METHOD_NAMES, ...WHOLE_METHOD_NAMES] as const;

/** A built-in layer-wise method. */
export type LayerwiseName = (typeof LAYERWISE_METHOD_NAMES)[number];
/** A built-in gradient method: also what a descent hybrid `A+gd` / `A+adam` refines with. */
export type GradientName = "gd" | "adam";
/** A built-in method. */
export type BuiltinMethodName = (typeof BUILTIN_METHOD_NAMES)[number];
/** What a hybrid runs second: gradient descent, Adam or projected gradient descent. */
export type HybridSecond = GradientName | "pgd";
/** A hybrid of built-ins: A, then descent (`linf+gd`, `exact+adam`) or PGD (`adam+pgd`) from A's answer. */
export type HybridMethodName = `${BuiltinMethodName}+${GradientName}` | `${Exclude<BuiltinMethodName, "pgd">}+pgd`;

declare const customMethod: unique symbol;
/** The name of a method registered by the user (or a hybrid of one), as registerMethod / methodName return it. */
export type CustomMethodName = string & { readonly [customMethod]: true };

/** A method name invert() and getMethod() accept: a built-in, a hybrid of built-ins, or a checked custom name. */
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
