import { describe, expect, it } from "vitest";
import { DataFormatError, FileError, FormatError, GeninvError, type GeninvErrorCode, ModelFormatError, OptionError, WorkerError } from "../src/errors.js";

describe("typed errors", () => {
  it("model and data format errors share one body: file and field prefix the message and are kept", () => {
    const m = new ModelFormatError("bad shape", { file: "g.pt", field: "layers.0.weight" });
    const d = new DataFormatError("bad row", { file: "x.json" });
    expect(m.message).toBe("g.pt: layers.0.weight: bad shape");
    expect([m.file, m.field, m.code]).toEqual(["g.pt", "layers.0.weight", "model_format"]);
    expect(d.message).toBe("x.json: bad row");
    expect([d.file, d.field, d.code]).toEqual(["x.json", undefined, "data_format"]);
    expect(new DataFormatError("plain").message).toBe("plain");
    for (const e of [m, d]) {
      expect(e).toBeInstanceOf(FormatError);
      expect(e).toBeInstanceOf(GeninvError);
    }
    expect(m.name).toBe("ModelFormatError");
    expect(d).not.toBeInstanceOf(ModelFormatError);
  });

  it("every class carries its own code from the GeninvErrorCode union", () => {
    const codes: GeninvErrorCode[] = [new OptionError("x").code, new FileError("f", "x").code, new WorkerError("x").code];
    expect(codes).toEqual(["option", "file", "worker"]);
  });
});
