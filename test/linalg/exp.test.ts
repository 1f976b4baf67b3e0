import { describe, expect, it } from "vitest";
import { portableExp } from "../../src/linalg/exp.js";
import { Rng } from "../../src/model/rng.js";

describe("portableExp", () => {
  it("returns fdlibm's pinned bits (same on every engine)", () => {
    expect([portableExp(1), portableExp(-1), portableExp(0.5), portableExp(-20.25), portableExp(700)]).toMatchInlineSnapshot(`
      [
        2.7182818284590455,
        0.36787944117144233,
        1.6487212707001282,
        1.6052280551856116e-9,
        1.0142320547350045e+304,
      ]
    `);
  });

  it("is within one ulp of Math.exp across the whole finite range", () => {
    const rng = new Rng(1);
    for (let i = 0; i < 20000; i++) {
      const x = i % 2 ? rng.uniformIn(-30, 30) : rng.uniformIn(-745, 709.7);
      const want = Math.exp(x);
      expect(Math.abs(portableExp(x) - want)).toBeLessThanOrEqual(Math.abs(want) * 2.3e-16 + 5e-324);
    }
  });

  it("handles the special values like Math.exp", () => {
    for (const x of [0, -0, 1e-300, -1e-300, 709.78, 710, -745.1, -746, Infinity, -Infinity]) expect(portableExp(x)).toBe(Math.exp(x));
    expect(portableExp(NaN)).toBeNaN();
  });
});
