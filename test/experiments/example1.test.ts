import { describe, expect, it } from "vitest";
import { activationRegions, example1Network, example1Svg, runExample1 } from "../../src/experiments/example1.js";

describe("Example 1: a non-convex pre-image", () => {
  it("the regions tile the window, G is affine on each, and the pre-image of (0, 0) is {|z1|+|z2| ≥ 1, |z1| ≤ |z2|}", () => {
    const r = runExample1([-2, 2]);
    const area = (p: [number, number][]) => Math.abs(p.reduce((s, a, i) => s + a[0] * p[(i + 1) % p.length]![1] - p[(i + 1) % p.length]![0] * a[1], 0) / 2);
    expect(r.regions.reduce((s, g) => s + area(g.polygon), 0)).toBeCloseTo(16, 10);
    // on every region G agrees with its affine map at the centroid
    for (const g of r.regions) {
      const c = g.polygon.reduce((s, p) => [s[0] + p[0] / g.polygon.length, s[1] + p[1] / g.polygon.length], [0, 0]);
      const y = example1Network().forward(c);
      g.J.forEach((row, j) => expect(row[0]! * c[0]! + row[1]! * c[1]! + g.o[j]!).toBeCloseTo(y[j]!, 12));
    }
    // the pre-image area: the window's |z1| ≤ |z2| half (8) minus the diamond's half (1)
    expect(r.pieces.every((p) => p.kind === "polygon")).toBe(true);
    expect(r.pieces.reduce((s, p) => s + area(p.points), 0)).toBeCloseTo(7, 10);
    // two pre-images whose midpoint is not one
    expect(r.pair).not.toBeNull();
    const gen = example1Network();
    expect(Array.from(gen.forward(r.pair!.p))).toEqual([0, 0]);
    expect(Array.from(gen.forward(r.pair!.q))).toEqual([0, 0]);
    expect(Math.max(...gen.forward(r.pair!.mid))).toBeGreaterThan(0.5);
    const svg = example1Svg(r);
    expect(svg).toContain("<svg");
    // nothing is clipped: every left-aligned label ends inside the canvas (≤ 6 px a character at 12 px on average)
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    for (const m of svg.matchAll(/<text x="([\d.]+)"([^>]*)>([^<]*)<\/text>/g)) {
      if (m[2]!.includes("text-anchor")) continue;
      expect(Number(m[1]) + 6 * m[3]!.length, m[3]).toBeLessThanOrEqual(width);
    }
  });

  it("refuses a generator that does not take 2 inputs", () => {
    const g = example1Network();
    expect(() => activationRegions({ ...g, inputSize: 3 } as unknown as typeof g, [-1, 1])).toThrow(/need k = 2, the generator takes 3 inputs/);
  });
});
