import { describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { Adam, aggregatePosteriorMoment, cholesky, decoderNll, foldInputTransform, TrainableNet, trainVae, type VaeConfig } from "../../scripts/lib/vae.js";
import { type Activation } from "../../src/model/activation.js";
import { randomGenerator } from "../../src/model/random.js";
import { Rng } from "../../src/model/rng.js";

const RELU: Activation = { kind: "relu" };
const LEAKY: Activation = { kind: "leaky_relu", slope: 0.1 };
const ID: Activation = { kind: "identity" };

/** Largest relative gap between an analytic gradient and central differences. */
function gradientGap(f: () => number, values: Float64Array, grad: Float64Array, h = 1e-6): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    values[i] = v + h;
    const a = f();
    values[i] = v - h;
    const b = f();
    values[i] = v;
    const fd = (a - b) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - grad[i]!) / (1e-6 + Math.abs(fd) + Math.abs(grad[i]!)));
  }
  return worst;
}

describe("TrainableNet backward", () => {
  for (const act of [RELU, LEAKY, ID]) {
    it(`matches finite differences for ${act.kind} layers, weights, biases and inputs (batch not a multiple of 4)`, () => {
      const rng = new Rng(7);
      const B = 5;
      const net = new TrainableNet(
        7,
        [
          { outputs: 9, activation: act, bias: true },
          { outputs: 6, activation: act, bias: false },
          { outputs: 5, activation: act, bias: true },
        ],
        B,
      );
      net.initialize(rng);
      for (const l of net.layers) if (l.bias) rng.fillNormal(l.bias, 0.3);
      const x = rng.fillNormal(new Float64Array(B * 7));
      const t = rng.fillNormal(new Float64Array(B * 5));
      // L = Σ ½(y − t)² + 0.3·y³, so dL/dy = (y − t) + 0.9·y²
      const loss = (): number => {
        const y = net.forward(x, B);
        let s = 0;
        for (let i = 0; i < B * 5; i++) s += 0.5 * (y[i]! - t[i]!) ** 2 + 0.3 * y[i]! ** 3;
        return s;
      };
      const y = net.forward(x, B);
      const d = new Float64Array(B * 5);
      for (let i = 0; i < B * 5; i++) d[i] = y[i]! - t[i]! + 0.9 * y[i]! ** 2;
      const dx = Float64Array.from(net.backward(d, B, true)!);
      for (const p of net.parameters()) expect(gradientGap(loss, p.value, Float64Array.from(p.grad))).toBeLessThan(1e-5);
      expect(gradientGap(loss, x, dx)).toBeLessThan(1e-5);
    });
  }

  it("takes the gradient at the last pre-activation when asked", () => {
    const rng = new Rng(4);
    const net = new TrainableNet(
      3,
      [
        { outputs: 4, activation: RELU, bias: false },
        { outputs: 2, activation: RELU, bias: false },
      ],
      2,
    );
    net.initialize(rng);
    const x = rng.fillNormal(new Float64Array(6));
    const w = Float64Array.of(0.3, -1.2, 0.7, 2.0);
    // L = Σ w·a over the last layer's pre-activations a (ReLU or not)
    const loss = (): number => {
      net.forward(x, 2);
      const a = net.layers[1]!.preActivation;
      return w.reduce((s, wi, i) => s + wi * a[i]!, 0);
    };
    loss();
    net.backward(w, 2, false, true);
    const g = Float64Array.from(net.layers[1]!.gradWeight);
    expect(gradientGap(loss, net.layers[1]!.weight, g)).toBeLessThan(1e-6);
  });
});

describe("decoderNll", () => {
  it("gives the gradient of the Gaussian (w.r.t. outputs) and censored (w.r.t. pre-activations) likelihoods", () => {
    const rng = new Rng(8);
    const n = 40;
    const x = new Float64Array(n).map((_, i) => (i % 3 === 0 ? 0 : rng.uniform()));
    for (const lik of ["gaussian", "censored", "gaussian-relu"] as const) {
      const pre = rng.fillNormal(new Float64Array(n), 0.5);
      const out = new Float64Array(n);
      const grad = new Float64Array(n);
      const f = (): number => {
        for (let i = 0; i < n; i++) out[i] = lik === "gaussian" ? pre[i]! : Math.max(0, pre[i]!);
        return decoderNll(lik, pre, out, x, n, 0.2, 1, new Float64Array(n));
      };
      f();
      decoderNll(lik, pre, out, x, n, 0.2, 1, grad);
      expect(gradientGap(f, pre, grad, 1e-7)).toBeLessThan(1e-5);
    }
  });

  it("charges a zero pixel −log Φ(−a/σ): log 2 at a = 0, almost nothing far below zero", () => {
    const g = new Float64Array(1);
    const at = (a: number): number => decoderNll("censored", Float64Array.of(a), Float64Array.of(Math.max(0, a)), Float64Array.of(0), 1, 0.1, 1, g);
    expect(at(0)).toBeCloseTo(Math.LN2, 6);
    expect(at(-1)).toBeLessThan(1e-20);
    // far above zero it grows like a²/(2σ²) (+ log terms)
    expect(at(2) / (2 ** 2 / (2 * 0.01))).toBeGreaterThan(0.95);
  });
});

describe("Adam", () => {
  it("minimises a convex quadratic", () => {
    const x = Float64Array.of(3, -2);
    const g = new Float64Array(2);
    const adam = new Adam([{ value: x, grad: g }]);
    for (let t = 0; t < 2000; t++) {
      g[0] = 2 * (x[0]! - 1);
      g[1] = 20 * (x[1]! + 0.5);
      adam.step(0.01);
    }
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(-0.5, 3);
  });
});

describe("cholesky and foldInputTransform", () => {
  it("factors an SPD matrix and rejects an indefinite one", () => {
    const s = Float64Array.of(4, 2, 0.4, 2, 5, 1, 0.4, 1, 3);
    const l = cholesky(s, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let v = 0;
        for (let p = 0; p < 3; p++) v += l[i * 3 + p]! * l[j * 3 + p]!;
        expect(v).toBeCloseTo(s[i * 3 + j]!, 12);
      }
    }
    expect(() => cholesky(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/not positive definite/);
  });

  it("G'(z) = G(L·z) after folding L into the first layer", () => {
    const gen = randomGenerator({ sizes: [3, 8, 10], activation: RELU, rng: 1 });
    const l = Float64Array.of(1.5, 0, 0, 0.3, 0.8, 0, -0.2, 0.4, 2);
    const folded = foldInputTransform(gen, l);
    const z = Float64Array.of(0.7, -1.1, 0.4);
    const lz = Float64Array.of(1.5 * 0.7, 0.3 * 0.7 - 0.8 * 1.1, -0.2 * 0.7 - 0.4 * 1.1 + 0.8);
    const a = folded.forward(z);
    const b = gen.forward(lz);
    for (let i = 0; i < 10; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
  });
});

describe("trainVae", () => {
  // 240 synthetic "images" of 16 pixels: two bumps at random positions
  const rng = new Rng(21);
  const count = 240;
  const dim = 16;
  const images = new Float64Array(count * dim);
  for (let r = 0; r < count; r++) {
    const c = rng.int(12);
    for (let p = 0; p < 4; p++) images[r * dim + c + p] = [0.4, 1, 1, 0.4][p]!;
  }
  const data = { count, images };
  const config: VaeConfig = {
    latent: 2,
    decoder: [
      { outputs: 12, activation: RELU, bias: false },
      { outputs: dim, activation: RELU, bias: false, initScale: 0.05 },
    ],
    encoderHidden: 16,
    likelihood: "censored",
    sigma: 0.2,
    batchSize: 20,
    epochs: 30,
    learningRate: 1e-2,
    finalLearningRate: 1e-3,
    seed: 5,
  };

  it("lowers the loss, and the same seed reproduces the decoder bit for bit", () => {
    const a = trainVae(config, data, data);
    const b = trainVae(config, data, data);
    const first = a.history[0]!;
    const last = a.history[a.history.length - 1]!;
    expect(last.loss).toBeLessThan(0.5 * first.loss);
    expect(last.testMse).toBeLessThan(0.5 * first.testMse);
    expect(a.decoder.layers.map((l) => Array.from(l.weight.data))).toEqual(b.decoder.layers.map((l) => Array.from(l.weight.data)));
    const c = trainVae({ ...config, seed: 6, epochs: 2 }, data, null);
    expect(Array.from(c.decoder.layers[0]!.weight.data)).not.toEqual(Array.from(a.decoder.layers[0]!.weight.data));
    // the aggregate posterior's second moment is symmetric positive definite
    const m = aggregatePosteriorMoment(a.encoder, data, 2);
    expect(m[1]).toBe(m[2]);
    expect(() => cholesky(m, 2)).not.toThrow();
  });

  it("rejects a censored likelihood without a ReLU output and bad settings", () => {
    const leakyOut = { ...config, decoder: [{ outputs: dim, activation: LEAKY, bias: false }] };
    expect(() => trainVae(leakyOut, data, null)).toThrow(/censored likelihood models a ReLU output layer/);
    expect(() => trainVae({ ...leakyOut, likelihood: "gaussian-relu" }, data, null)).toThrow(/gaussian-relu likelihood models a ReLU output layer/);
    expect(() => trainVae({ ...config, epochs: 0 }, data, null)).toThrow(OptionError);
    expect(() => trainVae({ ...config, sigma: 0 }, data, null)).toThrow(OptionError);
    expect(() => trainVae({ ...config, decoder: [...config.decoder, { outputs: dim, activation: ID, bias: false }] }, data, null)).toThrow(/censored/);
  });
});
