import { beforeAll, describe, expect, it } from "vitest";
import { bruteForceMisfit, randomMilpCase } from "../../bench/milp-reference.js";
import { invert } from "../../src/invert/invert.js";
import { invertMilp, misfitOf } from "../../src/invert/milp.js";
import { certifyUniqueness } from "../../src/invert/milp-certify.js";
import { monotoneUnits } from "../../src/invert/milp-model.js";
import { highsModule, loadHighsBackend } from "../../src/lp/highs.js";
import { RELU } from "../../src/model/activation.js";
import { Generator } from "../../src/model/generator.js";
import { randomGenerator } from "../../src/model/random.js";
import { Rng } from "../../src/model/rng.js";

beforeAll(async () => {
  await loadHighsBackend();
});

describe("milp (global inversion by mixed-integer programming)", () => {
  // a seeded subset of the 200-network sweep in bench/milp.ts (`npm run bench -- milp`)
  const seeds = [8, 10, 14, 16, 26, 28];
  it(`agrees with brute force over every activation pattern on ${seeds.length} random small networks (misfit to 1e-7)`, () => {
    const h = highsModule();
    for (const seed of seeds) {
      const c = randomMilpCase(seed);
      const obs = { x: c.x, operator: c.op, norm: c.norm };
      const bf = bruteForceMisfit(h, c.gen, c.op, c.x, c.norm, c.box);
      const r = invertMilp(c.gen, c.x, { operator: c.op, milpNorm: c.norm, box: c.box, timeLimit: 20 });
      expect(r.status, c.label).toBe("optimal");
      expect(r.milp!.proved).toBe(true);
      expect(Math.abs(misfitOf(c.gen, obs, r.z) - misfitOf(c.gen, obs, bf.z!)), c.label).toBeLessThanOrEqual(1e-7);
      expect(r.milp!.bound).toBeLessThanOrEqual(misfitOf(c.gen, obs, r.z) + 1e-7);
      expect(r.z.every((v) => Math.abs(v) <= c.box + 1e-9)).toBe(true);
    }
  });

  it("feasibility: maxMisfit below the brute-force optimum is infeasible, above it is feasible (same verdict)", () => {
    const h = highsModule();
    const c = randomMilpCase(26); // 1-3-3 random observation, optimum ≈ 1.62
    const bf = bruteForceMisfit(h, c.gen, c.op, c.x, c.norm, c.box);
    const below = invertMilp(c.gen, c.x, { operator: c.op, milpNorm: c.norm, box: c.box, maxMisfit: bf.misfit - 1e-3, milpStart: "none" });
    expect(below.status).toBe("infeasible");
    expect(below.milp!.proved).toBe(true);
    const above = invertMilp(c.gen, c.x, { operator: c.op, milpNorm: c.norm, box: c.box, maxMisfit: bf.misfit + 1e-3, milpStart: "none" });
    expect(above.status).toBe("optimal");
    expect(above.residual.linf).toBeLessThanOrEqual(bf.misfit + 1e-7);
  });

  it("monotone units: ReLUs feeding an output seen at 0 only through weights ≥ 0 become epigraphs (no binary), with the brute-force optimum", () => {
    const h = highsModule();
    // 2-6-2: hidden units 0–2 feed only output 1 (weights ≥ 0), units 3–5 only output 0 (mixed signs)
    const rng = new Rng(7);
    const w1 = Float64Array.from({ length: 12 }, () => rng.normal());
    const w2 = new Float64Array(12);
    for (let j = 0; j < 3; j++) w2[6 + j] = Math.abs(rng.normal());
    for (let j = 3; j < 6; j++) w2[j] = rng.normal();
    const gen = new Generator([
      { weight: { rows: 6, cols: 2, data: w1 }, bias: Float64Array.from({ length: 6 }, () => 0.3 * rng.normal()), activation: RELU },
      { weight: { rows: 2, cols: 6, data: w2 }, bias: Float64Array.from([0.2, -0.1]), activation: RELU },
    ]);
    for (const x of [Float64Array.from([1.3, -0.2])]) {
      const op = { kind: "identity", n: 2 } as const;
      const bf = bruteForceMisfit(h, gen, op, x, "linf", 2);
      const r = invertMilp(gen, x, { box: 2, milpStart: "none", milpTighten: false });
      expect(r.status).toBe("optimal");
      expect(Math.abs(r.residual.linf - bf.misfit)).toBeLessThanOrEqual(1e-7);
      // at most the three mixed-sign units (and output 0) are binaries; units 0–2 and output 1 never
      expect(r.milp!.binaries).toBeLessThanOrEqual(4);
      const mono = monotoneUnits(gen, { x, operator: op, norm: "linf" });
      expect(Array.from(mono[0]!)).toEqual([1, 1, 1, 0, 0, 0]);
      expect(Array.from(mono[1]!)).toEqual([0, 1]);
    }
  });

  it("finds an exact pre-image of a hand-built 2-4-1 network whose pre-image set is two points (z1 = ±2, z2 = 0)", () => {
    // G(z) = relu(|z1| − |z2| + 1)
    const w1 = { rows: 4, cols: 2, data: Float64Array.from([1, 0, -1, 0, 0, 1, 0, -1]) };
    const w2 = { rows: 1, cols: 4, data: Float64Array.from([1, 1, -1, -1]) };
    const gen = new Generator([
      { weight: w1, bias: null, activation: RELU },
      { weight: w2, bias: Float64Array.from([1]), activation: RELU },
    ]);
    // |z1| − |z2| + 1 = 3 needs |z1| − |z2| = 2: z1 = ±2, z2 = 0 (inside the box 2)
    const r = invert(gen, [3], { method: "milp", box: 2 });
    expect(r.status).toBe("optimal");
    expect(r.residual.linf).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(Math.abs(r.z[0]!) - 2)).toBeLessThanOrEqual(1e-7);
  });

  it("refuses a network with more undecided units than maxBinaries, naming the count and the limit", () => {
    const gen = randomGenerator({ sizes: [5, 30, 30, 10], activation: RELU, rng: 7 });
    const x = gen.forward(new Rng(1).fillNormal(new Float64Array(5)));
    expect(() => invertMilp(gen, x, { maxBinaries: 5, milpStart: "none", milpTighten: false })).toThrow(
      /milp: the network has \d+ undecided ReLU units after bound tightening, more than the limit of 5 binaries/,
    );
  });

  it("time limit: the incumbent comes back with status time_limit, the open gap and a warning, never as optimal", () => {
    const gen = randomGenerator({ sizes: [8, 40, 40, 12], activation: RELU, bias: true, rng: 3 });
    const x = new Rng(5).fillNormal(new Float64Array(12));
    const r = invertMilp(gen, x, { timeLimit: 0.3, milpTighten: false, milpStart: "none" });
    expect(r.status).toBe("time_limit");
    expect(r.milp!.proved).toBe(false);
    expect(r.milp!.bound).toBeLessThan(r.milp!.objective);
    expect(r.warnings.join(" ")).toMatch(/time limit \(0.3 s\): the gap is open/);
    expect(r.z.length).toBe(8);
    expect(Number.isFinite(r.residual.linf)).toBe(true);
  });

  it("rejects activations it cannot encode and bad options with typed errors", () => {
    const gen = randomGenerator({ sizes: [2, 3, 2], activation: [RELU, { kind: "tanh" }], rng: 1 });
    expect(() => invertMilp(gen, [0.1, 0.2])).toThrow(/milp: layer 2 has tanh activation; the MILP encodes relu, leaky_relu and identity layers only/);
    const ok = randomGenerator({ sizes: [2, 3, 2], activation: RELU, rng: 1 });
    expect(() => invertMilp(ok, [0.1, 0.2], { box: -1 })).toThrow(/milp box must be a finite number > 0/);
    expect(() => invertMilp(ok, [0.1, 0.2], { timeLimit: 0 })).toThrow(/milp time limit must be > 0 seconds/);
    expect(() => invertMilp(ok, [0.1, 0.2, 0.3])).toThrow(/observation has 3 entries, expected 2/);
  });

  it("certificate: not_unique with the mirror pre-image (−2, 0) for G(z) = relu(|z1| − |z2| + 1) at x = 3; unique for an injective LeakyReLU network", () => {
    const w1 = { rows: 4, cols: 2, data: Float64Array.from([1, 0, -1, 0, 0, 1, 0, -1]) };
    const w2 = { rows: 1, cols: 4, data: Float64Array.from([1, 1, -1, -1]) };
    const gen = new Generator([
      { weight: w1, bias: null, activation: RELU },
      { weight: w2, bias: Float64Array.from([1]), activation: RELU },
    ]);
    const c = certifyUniqueness(gen, [3], [2, 0], { tau: 1e-9, radius: 0.5, box: 2 });
    expect(c.verdict).toBe("not_unique");
    expect(c.witness!.fit.linf).toBeLessThanOrEqual(1e-9);
    expect(c.witness!.distanceInf).toBeGreaterThan(0.5);
    expect(Math.abs(misfitOf(gen, { x: Float64Array.from([3]), operator: { kind: "identity", n: 1 }, norm: "linf" }, c.witness!.z))).toBeLessThanOrEqual(1e-9);
    const inj = randomGenerator({ sizes: [2, 4, 4], activation: { kind: "leaky_relu", slope: 0.2 }, rng: 11 });
    const z = Float64Array.from([0.3, -0.7]);
    const u = certifyUniqueness(inj, inj.forward(z), z, { tau: 1e-9, radius: 1e-4, box: 3 });
    expect(u.verdict).toBe("unique");
    expect(u.bound).toBeLessThanOrEqual(1e-4);
    expect(u.mips).toBe(4);
    // without the radius-based split (one maximisation a side over all pre-images): the same verdicts
    expect(certifyUniqueness(gen, [3], [2, 0], { tau: 1e-9, radius: 0.5, box: 2, split: false }).verdict).toBe("not_unique");
    const u2 = certifyUniqueness(inj, inj.forward(z), z, { tau: 1e-9, radius: 1e-4, box: 3, split: false });
    expect(u2.verdict).toBe("unique");
    expect(u2.bound).toBeLessThanOrEqual(1e-4);
  });

  it("certificate: outputs seen at ≤ τ (noise on dark pixels) need no binary, and split and unsplit certificates agree", () => {
    const gen = randomGenerator({ sizes: [2, 6, 12], activation: RELU, rng: 5 });
    const z = Float64Array.from([0.4, -0.9]);
    const tau = 1e-6;
    const x = Float64Array.from(gen.forward(z), (v, j) => (v === 0 ? (j % 2 ? 0.5 * tau : -0.5 * tau) : v));
    const a = certifyUniqueness(gen, x, z, { tau, radius: 1e-3, box: 2 });
    const b = certifyUniqueness(gen, x, z, { tau, radius: 1e-3, box: 2, split: false });
    expect(a.binaries).toBeLessThanOrEqual(6);
    expect(a.verdict).not.toBe("unknown");
    expect(b.verdict).toBe(a.verdict);
    if (a.verdict === "not_unique") expect(a.witness!.fit.linf).toBeLessThanOrEqual(tau * (1 + 1e-6));
  });
});
