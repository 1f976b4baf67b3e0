import { describe, expect, it } from "vitest";
import {
  activationDerivative,
  applyActivation,
  formatActivation,
  inverseActivation,
  leakyRelu,
  parseActivation,
  parseActivationList,
} from "../../src/model/activation.js";
import { OptionError } from "../../src/errors.js";

describe("activations", () => {
  it("apply relu, leaky_relu, identity, sigmoid and tanh element-wise", () => {
    const v = () => Float64Array.from([-2, -0.5, 0, 0.5, 2]);
    const r = v();
    applyActivation({ kind: "relu" }, r);
    expect(Array.from(r)).toEqual([0, 0, 0, 0.5, 2]);
    const l = v();
    applyActivation(leakyRelu(0.1), l);
    expect(Array.from(l)).toEqual([-0.2, -0.05, 0, 0.5, 2]);
    const s = v();
    applyActivation({ kind: "sigmoid" }, s);
    expect(s[2]).toBe(0.5);
    const t = v();
    applyActivation({ kind: "tanh" }, t);
    expect(t[4]).toBeCloseTo(Math.tanh(2), 15);
  });

  it("relu maps NaN pre-activations to 0 rather than propagating them silently", () => {
    const v = Float64Array.from([NaN]);
    applyActivation({ kind: "relu" }, v);
    expect(v[0]).toBe(0);
  });

  it("inverts leaky_relu by eq. (5) and sigmoid/tanh on their range", () => {
    const act = leakyRelu(0.2);
    for (const a of [-3, -0.1, 0, 0.7, 5]) {
      const y = Float64Array.from([a]);
      applyActivation(act, y);
      expect(inverseActivation(act, y[0]!)).toBeCloseTo(a, 14);
    }
    expect(inverseActivation({ kind: "sigmoid" }, 1)).toBeNaN();
    expect(inverseActivation({ kind: "tanh" }, 0.5)).toBeCloseTo(Math.atanh(0.5), 15);
    expect(() => inverseActivation({ kind: "relu" }, 1)).toThrow(/not invertible/);
  });

  it("derivative: relu subgradient 0 at 0, leaky slope on the negative side", () => {
    expect(activationDerivative({ kind: "relu" }, 0)).toBe(0);
    expect(activationDerivative({ kind: "relu" }, 1e-300)).toBe(1);
    expect(activationDerivative(leakyRelu(0.1), -1)).toBe(0.1);
  });

  it("parses CLI spellings and requires an explicit leaky_relu slope", () => {
    expect(parseActivation("relu")).toEqual({ kind: "relu" });
    expect(parseActivation("leaky_relu:0.1")).toEqual({ kind: "leaky_relu", slope: 0.1 });
    expect(formatActivation(parseActivation("leaky_relu:0.2"))).toBe("leaky_relu:0.2");
    expect(() => parseActivation("leaky_relu")).toThrow(/explicit slope/);
    expect(() => parseActivation("leaky_relu:-1")).toThrow(/slope must be/);
    expect(() => parseActivation("softplus")).toThrow(OptionError);
    expect(() => parseActivation("softplus")).toThrow(/unknown activation 'softplus'/);
    expect(() => leakyRelu(0)).toThrow(/> 0/);
  });

  it("parses per-layer lists and rejects a list of the wrong length", () => {
    expect(parseActivationList("relu", 3)).toHaveLength(3);
    expect(parseActivationList("leaky_relu:0.1,relu", 2)[1]).toEqual({ kind: "relu" });
    expect(() => parseActivationList("relu,relu,relu", 2)).toThrow(/3 activations for 2 layers/);
  });
});
