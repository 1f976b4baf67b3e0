import { describe, expect, it } from "vitest";
import { modelToJson, parseModelJson } from "../../../src/model/io/json-model.js";
import { randomGenerator } from "../../../src/model/random.js";
import { leakyRelu, RELU } from "../../../src/model/activation.js";
import { ModelFormatError } from "../../../src/errors.js";

const ok = (layers: unknown[]) => JSON.stringify({ format: "geninv.model", version: 1, layers });
const layer = (rows: number, cols: number, extra: Record<string, unknown> = {}) => ({
  weight: Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => i - j + 0.5)),
  bias: null,
  activation: "relu",
  ...extra,
});

function errorOf(text: string): string {
  try {
    parseModelJson(text, "net.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return (e as Error).message;
  }
  throw new Error("expected a ModelFormatError");
}

describe("native model format", () => {
  it("round-trips every weight, bias, activation and name bit-for-bit", () => {
    const gen = randomGenerator({ sizes: [7, 13, 29], activation: [RELU, leakyRelu(0.15)], bias: true, rng: 3 });
    const back = parseModelJson(modelToJson(gen, { note: "x" }));
    back.layers.forEach((l, i) => {
      expect(Array.from(l.weight.data)).toEqual(Array.from(gen.layers[i]!.weight.data));
      expect(Array.from(l.bias!)).toEqual(Array.from(gen.layers[i]!.bias!));
      expect(l.activation).toEqual(gen.layers[i]!.activation);
    });
  });

  it("reads weights as rows (output-major, like PyTorch's Linear.weight)", () => {
    const gen = parseModelJson(
      ok([
        {
          weight: [
            [1, 2, 3],
            [4, 5, 6],
          ],
          bias: [0, 1],
          activation: { leaky_relu: 0.1 },
          name: "fc",
        },
      ]),
    );
    expect(gen.sizes).toEqual([3, 2]);
    expect(Array.from(gen.forward([1, 0, 0]))).toEqual([1, 5]);
    expect(gen.layers[0]!.name).toBe("fc");
  });

  it("names the file and field for each problem", () => {
    expect(errorOf(ok([layer(60, 20), { ...layer(3, 60), weight: [...layer(7, 60).weight, Array(59).fill(0)] }]))).toMatch(
      /^net\.json: layers\[1\]\.weight: row 7 has 59 entries, expected 60/,
    );
    expect(errorOf(ok([layer(4, 3), layer(5, 6)]))).toMatch(/layers\[1\]\.weight: rows have 6 entries, but layers\[0\] outputs 4 values/);
    expect(errorOf(ok([layer(4, 3, { bias: [1, 2] })]))).toMatch(/layers\[0\]\.bias: has 2 entries, expected 4/);
    expect(errorOf(ok([layer(4, 3, { activation: "softplus" })]))).toMatch(/layers\[0\]\.activation: unknown activation "softplus"/);
    expect(errorOf(ok([layer(4, 3, { activation: { leaky_relu: 0 } })]))).toMatch(/layers\[0\]\.activation\.leaky_relu: slope must be a finite number > 0/);
    expect(errorOf(ok([layer(4, 3, { activation: "leaky_relu" })]))).toMatch(/unknown activation "leaky_relu"/);
    expect(
      errorOf(
        ok([
          {
            ...layer(2, 2),
            weight: [
              [1, null],
              [1, 2],
            ],
          },
        ]),
      ),
    ).toMatch(/layers\[0\]\.weight\[0\]\[1\]: expected a finite number, got null/);
    expect(
      errorOf(
        ok([
          {
            ...layer(2, 2),
            weight: [
              [1, "NaN"],
              [1, 2],
            ],
          },
        ]),
      ),
    ).toMatch(/weight\[0\]\[1\]: expected a finite number, got "NaN"/);
    expect(errorOf('{"format":"geninv.model","version":1,"layers":[{"weight":[[1e999]],"bias":null,"activation":"relu"}]}')).toMatch(
      /weight\[0\]\[0\]: expected a finite number, got Infinity/,
    );
    expect(errorOf(ok([]))).toMatch(/layers: expected a non-empty array of layers/);
    expect(errorOf(JSON.stringify({ format: "onnx", version: 1, layers: [layer(2, 2)] }))).toMatch(/format: expected "geninv\.model", got "onnx"/);
    expect(errorOf(JSON.stringify({ format: "geninv.model", version: 2, layers: [layer(2, 2)] }))).toMatch(/version: expected 1, got 2/);
    expect(errorOf("[1,2]")).toMatch(/expected a JSON object/);
  });

  it("reports several problems at once", () => {
    const msg = errorOf(ok([layer(4, 3, { bias: [1] }), layer(2, 4, { activation: "gelu" })]));
    expect(msg).toMatch(/layers\[0\]\.bias/);
    expect(msg).toMatch(/layers\[1\]\.activation/);
  });

  it("says where invalid or truncated JSON breaks", () => {
    const full = ok([layer(3, 2)]);
    expect(errorOf(full.slice(0, full.length - 20))).toMatch(/^net\.json: not valid JSON: .*truncated/);
    expect(errorOf('{"format": "geninv.model",\n "version": 1,\n "layers": [}')).toMatch(/not valid JSON: .*\(line 3, column \d+\)/);
    expect(errorOf("")).toMatch(/not valid JSON/);
  });
});
