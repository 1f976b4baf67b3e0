import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { memIo } from "../helpers.js";

describe("--model with a built-in name", () => {
  it("geninv inspect --model mnist / mnist-leaky reads the shipped generators", async () => {
    for (const [name, sizes] of [
      ["mnist", [20, 60, 784]],
      ["mnist-leaky", [20, 200, 500, 784]],
    ] as const) {
      const io = memIo();
      expect(await main(["inspect", "--model", name], io)).toBe(0);
      expect((JSON.parse(io.stdout) as { generator: { sizes: number[] } }).generator.sizes).toEqual(sizes);
    }
  });

  it("an unknown bare name lists the built-in models, with exit code 1", async () => {
    const io = memIo();
    expect(await main(["inspect", "--model", "mnist-gan"], io)).toBe(1);
    expect(io.stderr).toMatch(/mnist-gan: no such file, and not a built-in model \(built-in models: mnist, mnist-leaky\)/);
    const io2 = memIo();
    expect(await main(["inspect", "--model", "missing/model.json"], io2)).toBe(1);
    expect(io2.stderr).toMatch(/missing\/model\.json: no such file/);
  });
});
