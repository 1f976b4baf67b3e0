/**
 * Options shared by every inversion method. Each method reads the fields it documents and
 * ignores the rest, so one options object can drive any method from the registry.
 */

/** Options for {@link invert}; every field has a default. */
export interface InvertOptions {
  /**
   * A ReLU output counts as active ("on") when it exceeds activeTolerance·max(‖y‖∞, 1e-300)
   * (default 1e-5). Exact inversion solves on the active rows only (Theorem 2). Dropping a tiny
   * active row costs one equation, counting an inactive one adds a wrong equation, so the default
   * sits above the noise that float32 data leaves in reconstructed hidden layers (~1e-6).
   */
  activeTolerance?: number;
  /**
   * A layer (and the whole inversion) counts as exactly fitted when ‖φ(Wx + b) − y‖∞ ≤
   * fitTolerance·max(‖y‖∞, 1) (default 1e-5: data stored in float32 passes, noisier data does not).
   */
  fitTolerance?: number;
  /** Pivots |R_jj| ≤ rankTolerance·|R_11| count as rank loss (default 1e-10). */
  rankTolerance?: number;
}

/** Defaults of the shared options. */
export const DEFAULT_TOLERANCES = {
  activeTolerance: 1e-5,
  fitTolerance: 1e-5,
  rankTolerance: 1e-10,
} as const;
