/**
 * The catalogue of constraint ids of the vertex simplex ({@link VertexSimplex}): every constraint
 * of min cost·v s.t. rows, bounds and δ ≥ 0 has one integer id, and this module is the only place
 * that knows the numbering.
 *
 * | id                | constraint                                   |
 * |-------------------|----------------------------------------------|
 * | 2j                | row j, upper side: wU_j (a_j·z − u_j) ≤ δ    |
 * | 2j + 1            | row j, lower side: wL_j (l_j − a_j·z) ≤ δ    |
 * | 2n + 2i           | z_i ≥ lo                                     |
 * | 2n + 2i + 1       | z_i ≤ hi                                     |
 * | 2n + 2k           | δ ≥ 0                                        |
 * | −1 − i (< 0)      | artificial slot of variable i (normal e_i)   |
 *
 * Decoding is two small branch-only functions ({@link idKind}, {@link idIndex}) that return numbers,
 * so the engine's hot loops decode without allocating.
 */

/** What kind of constraint an id names (the values of {@link idKind}). */
export const IdKind = {
  /** Row j's upper side. */
  upper: 0,
  /** Row j's lower side. */
  lower: 1,
  /** z_i ≥ lo. */
  zLower: 2,
  /** z_i ≤ hi. */
  zUpper: 3,
  /** δ ≥ 0. */
  delta: 4,
  /** An artificial slot (free variable with no active constraint). */
  artificial: 5,
} as const;
/** One of {@link IdKind}'s values. */
export type IdKind = (typeof IdKind)[keyof typeof IdKind];

/** The kind of constraint `id` in an LP with n rows and k variables. */
export function idKind(id: number, n: number, k: number): IdKind {
  if (id < 0) return IdKind.artificial;
  const n2 = 2 * n;
  if (id < n2) return (id & 1) === 0 ? IdKind.upper : IdKind.lower;
  if (id === n2 + 2 * k) return IdKind.delta;
  return ((id - n2) & 1) === 0 ? IdKind.zLower : IdKind.zUpper;
}

/** The row j (row sides), the variable i (bounds, artificial slots) or k (δ ≥ 0) that `id` is about. */
export function idIndex(id: number, n: number): number {
  if (id < 0) return -1 - id;
  const n2 = 2 * n;
  return id < n2 ? id >> 1 : (id - n2) >> 1;
}

/** Number of non-artificial ids (rows' two sides, two bounds per variable, δ ≥ 0). */
export function idCount(n: number, k: number): number {
  return 2 * n + 2 * k + 1;
}

/** The first id that is not a row side (ids from here on are bounds and δ ≥ 0). */
export function firstBoundId(n: number): number {
  return 2 * n;
}

/** Id builders, for the front ends that start the engine from a chosen basis. */
export const vertexIds = {
  upper: (j: number): number => 2 * j,
  lower: (j: number): number => 2 * j + 1,
  zLower: (n: number, i: number): number => 2 * n + 2 * i,
  zUpper: (n: number, i: number): number => 2 * n + 2 * i + 1,
  deltaLower: (n: number, k: number): number => 2 * n + 2 * k,
  artificial: (i: number): number => -1 - i,
};

/** `row 12 (upper side)` etc., for messages. */
export function describeId(id: number, n: number, k: number): string {
  const i = idIndex(id, n);
  switch (idKind(id, n, k)) {
    case IdKind.artificial:
      return `free variable ${i}`;
    case IdKind.upper:
      return `row ${i} (upper side)`;
    case IdKind.lower:
      return `row ${i} (lower side)`;
    case IdKind.delta:
      return "δ ≥ 0";
    default:
      return `bound on z[${i}]`;
  }
}
