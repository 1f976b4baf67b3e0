import { describe, expect, it } from "vitest";
import { randomGenerator } from "../../src/model/random.js";
import { type Activation, leakyRelu, RELU, IDENTITY } from "../../src/model/activation.js";
import { GradientWorkspace, objective, objectiveAndGradient } from "../../src/invert/gradient.js";
import { gaussianOperator, identityOperator, maskOperator, measurementCount, type MeasurementOperator } from "../../src/operators/operator.js";
import { Rng } from "../../src/model/rng.js";

const activations: [string, Activation][] = [
  ["relu", RELU],
  ["leaky_relu(0.1)", leakyRelu(0.1)],
  ["leaky_relu(0.2)", leakyRelu(0.2)],
  ["identity", IDENTITY],
  ["sigmoid", { kind: "sigmoid" }],
  ["tanh", { kind: "tanh" }],
];

function operators(n: number): [string, MeasurementOperator][] {
  return [
    ["A = I", identityOperator(n)],
    [
      "A = mask",
      maskOperator(
        n,
        Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1),
      ),
    ],
    ["A = dense Gaussian", gaussianOperator(17, n, 5)],
  ];
}

describe("∇½‖A·G(z) − y‖² by the backward pass", () => {
  for (const [actName, act] of activations) {
    for (const bias of [false, true]) {
      for (const [opName, op] of operators(40)) {
        it(`matches central finite differences: ${actName}, ${bias ? "biases" : "no biases"}, ${opName}`, () => {
          const gen = randomGenerator({ sizes: [6, 15, 40], activation: [act, act], bias, rng: 3 });
          const ws = new GradientWorkspace(gen, op);
          const rng = new Rng(11);
          const y = rng.fillNormal(new Float64Array(measurementCount(op)), 0.3);
          for (let trial = 0; trial < 3; trial++) {
            const z = rng.fillNormal(new Float64Array(6));
            const g = new Float64Array(6);
            const f = objectiveAndGradient(ws, y, z, g);
            expect(f).toBeCloseTo(objective(ws, y, z), 12);
            const h = 1e-6;
            for (let i = 0; i < 6; i++) {
              const zp = Float64Array.from(z);
              const zm = Float64Array.from(z);
              zp[i]! += h;
              zm[i]! -= h;
              const fd = (objective(ws, y, zp) - objective(ws, y, zm)) / (2 * h);
              // ReLU kinks are measure-zero: a random z is never within h of one
              expect(Math.abs(fd - g[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
            }
          }
        });
      }
    }
  }

  it("uses the subgradient 0 at a ReLU kink", () => {
    const gen = randomGenerator({ sizes: [2, 3], activation: RELU, rng: 1 });
    const ws = new GradientWorkspace(gen, identityOperator(3));
    const g = new Float64Array(2);
    objectiveAndGradient(ws, [1, 1, 1], [0, 0], g);
    expect(Array.from(g)).toEqual([0, 0]);
  });
});
