/**
 * Every tolerance of the two dense LP engines in one place, each with why it has its value: the
 * vertex simplex (vertex-*.ts, {@link VERTEX_TOL}) and the ℓ1 engine (lad*.ts, {@link LAD_TOL}).
 * For the vertex simplex:
 * Relative ones are scaled per solve: `primal` by the largest weighted |target| (deviations are in
 * the rows' units), `dual` by max |cost| (multipliers are in the objective's units).
 */
export const VERTEX_TOL = {
  /** Primal feasibility, × the targets' scale: a row deviating by less counts as met (rounding of a·z). */
  primal: 1e-11,
  /** Dual feasibility, × the cost's scale: a multiplier this negative still counts as ≥ 0. */
  dual: 1e-12,
  /** Multiples of the dual tolerance a verdict allows (λ < −10·tolD is wrong-signed, |λ| ≤ 10·tolD is zero). */
  dualVerdict: 10,
  /** Reciprocal condition (min pivot / max entry) of B below which a refactorisation calls B singular. */
  singularBasis: 1e-13,
  /** Dual ratio test: |α_q| below max(this, pivotRel·max|α|) is no pivot (avoids dividing by rounding). */
  dualPivotAbs: 1e-11,
  /** Primal ratio test: the same absolute floor for the edge direction's rates. */
  primalPivotAbs: 1e-12,
  /** Both ratio tests: a pivot smaller than this fraction of the largest candidate is rounding. */
  pivotRel: 1e-9,
  /** Bland's exact ratio test widens its minimum step by this fraction, so ties survive rounding. */
  blandWiden: 1e-9,
  /** The pivot seen through the row (α) and through the column (g·d) must agree to this, else refactorise. */
  pivotAgreement: 1e-7,
  /** A capped solve stops without refactorising when δ exceeds the cap by this fraction (+ boundSlack·tolP). */
  boundExcessRel: 1e-6,
  /** Multiples of tolP of the clear-excess test above (smaller excesses are confirmed on fresh factors). */
  boundSlack: 1e3,
  /** Floor of a Devex weight after its constraint leaves the basis (weights never collapse to 0). */
  devexFloor: 1e-8,
  /** Size of the random cost shift that breaks dual degeneracy, × max |λ|. */
  costPerturbation: 1e-7,
  /** purgeArtificials: an artificial slot leaves only through an entry |α_q| above this. */
  purgePivot: 1e-9,
} as const;

/** Iteration counts of the anti-stalling rules (not tolerances, but tuned with them). */
export const VERTEX_STALL = {
  /** Dual simplex: pivots without objective progress before the cost is perturbed (then Bland), + p/4. */
  dual: 20,
  /** Primal simplex: pivots without progress before Bland's rule, + p. */
  primal: 50,
} as const;

/** Tolerances of the ℓ1 (Barrodale–Roberts) engine, lad*.ts. */
export const LAD_TOL = {
  /** A row is on its kink when |s − kink| is below this × the targets' scale (rounding of a·z). */
  onKink: 1e-12,
  /** Pass 1 shifts each kink by up to this × the scale (deterministic), so exact ties of realisable data break. */
  kinkShift: 1e-9,
  /** A multiplier outside its slope interval by less than this × (1 + |interval ends|) counts as inside. */
  multiplier: 1e-11,
  /** The long step stops at the first kink where the directional derivative reaches −this (0 up to rounding). */
  slopeZero: 1e-14,
  /** The entering kink's pivot |α_leave| below this cannot be taken: refactorise and retry. */
  pivot: 1e-12,
  /** A step whose gain is below −this × (1 + |gain|) made progress (else it counts towards stalling). */
  progress: 1e-15,
  /** A snapshot's z may sit this far outside the bounds and still be restored … */
  restoreBounds: 1e-12,
  /** … and its re-solved vertex this far (the refinement moves it by rounding). */
  restoredVertexBounds: 1e-9,
  /** Reciprocal condition of B below which the refactorisation calls it singular. */
  singularBasis: 1e-13,
} as const;

/** Iteration counts of the ℓ1 engine's safeguards. */
export const LAD_LIMITS = {
  /** Refactorise B⁻¹ (and recompute ∇f) every this many pivots. */
  refactorEvery: 100,
  /** Pivots without gain before Bland's rule, + k. */
  stall: 50,
  /** Refused exchanges in a row before the engine gives up (numerical_error), + 3k. */
  refusedExchanges: 50,
} as const;
