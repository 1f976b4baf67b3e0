import { describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { imageGrid } from "../../src/render/grid.js";

describe("imageGrid", () => {
  it("places tile t at row ⌊t/cols⌋, column t mod cols, with padding and background", () => {
    const a = new Float64Array(4).fill(1);
    const b = Float64Array.of(0, 0.25, 0.5, 0.75);
    const g = imageGrid([a, null, b], { cols: 2, tileWidth: 2, tileHeight: 2, padding: 1, background: 0.5 });
    expect([g.width, g.height]).toEqual([2 * 2 + 3, 2 * 2 + 3]);
    const at = (x: number, y: number) => g.data[y * g.width + x];
    expect([at(1, 1), at(2, 2)]).toEqual([1, 1]); // tile 0 at (1, 1)
    expect([at(4, 1), at(0, 0)]).toEqual([0.5, 0.5]); // empty cell and padding
    expect([at(1, 4), at(2, 4), at(1, 5), at(2, 5)]).toEqual([0, 0.25, 0.5, 0.75]); // tile 2 at (1, 4)
  });

  it("upscales tiles by an integer factor and draws column labels above them", () => {
    const tile = new Float64Array(28 * 28);
    const plain = imageGrid([tile, tile], { cols: 2, scale: 3, padding: 2, background: 0 });
    expect(plain.width).toBe(2 * 84 + 3 * 2);
    const labelled = imageGrid([tile, tile], { cols: 2, scale: 3, padding: 2, background: 0, columnLabels: ["truth", "ℓ∞ LP"] });
    const labelRows = labelled.height - plain.height;
    expect(labelRows).toBeGreaterThan(7);
    let lit = 0;
    for (let i = 0; i < labelRows * labelled.width; i++) lit += labelled.data[i]! === 1 ? 1 : 0;
    expect(lit).toBeGreaterThan(30);
    // the tiles themselves stay black
    for (let i = labelRows * labelled.width; i < labelled.data.length; i++) expect(labelled.data[i]).toBe(0);
  });

  it("rejects a tile of the wrong size and bad options", () => {
    expect(() => imageGrid([new Float64Array(10)], { cols: 1 })).toThrow(/tile 0 has 10 values, expected 28×28 = 784/);
    expect(() => imageGrid([], { cols: 0 })).toThrow(OptionError);
  });
});
