import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/util/crc32.js";

describe("crc32", () => {
  it("gives the PNG spec's CRC of an IEND chunk (0xAE426082)", () => {
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(0xae426082);
  });
});
