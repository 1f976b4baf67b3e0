import { describe, expect, it } from "vitest";
import { decadeDomain, escapeXml, linearTicks, logTicks, makeScale } from "../../src/render/axes.js";
import { renderChart } from "../../src/render/svg.js";
import { allText, descendants, parseXml, type XmlElement } from "../experiments/xml.js";

const byClass = (root: XmlElement, cls: string): XmlElement[] => descendants(root, (e) => (e.attrs.class ?? "").split(" ").includes(cls));

describe("svg charts", () => {
  const loglog = renderChart({
    title: "Recovery error vs noise",
    x: { label: "relative noise level", scale: "log" },
    y: { label: "relative recovery error", scale: "log" },
    series: [
      {
        name: "ℓ∞ LP runs",
        kind: "scatter",
        points: [
          [1e-6, 2e-6],
          [1e-3, 3e-3],
          [1e-1, 0.2],
        ],
        hideInLegend: true,
      },
      {
        name: "ℓ∞ LP",
        kind: "line",
        points: [
          [1e-1, 0.2],
          [1e-6, 2e-6],
          [1e-3, 3e-3],
        ],
      },
      {
        name: "gradient descent",
        kind: "line",
        points: [
          [1e-6, 5e-6],
          [1e-1, 0.5],
        ],
        marker: "diamond",
        dash: "4 2",
      },
    ],
  });

  it("is well-formed XML with an svg root, axis titles, tick labels and one legend entry per shown series", () => {
    const svg = parseXml(loglog);
    expect(svg.name).toBe("svg");
    expect(svg.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    const titles = byClass(svg, "axis-title").map(allText);
    expect(titles).toEqual(["relative noise level", "relative recovery error"]);
    expect(allText(byClass(svg, "title")[0]!)).toBe("Recovery error vs noise");
    const legend = byClass(svg, "legend-label").map(allText);
    expect(legend).toEqual(["ℓ∞ LP", "gradient descent"]); // the scatter is hidden from the legend
    expect(byClass(svg, "frame")).toHaveLength(1);
  });

  it("puts decade ticks 10^k on log axes, widening the domain to whole decades", () => {
    const svg = parseXml(loglog);
    const xAxis = byClass(svg, "x-axis")[0]!;
    const xTicks = byClass(xAxis, "tick-label");
    expect(xTicks.map((t) => Number(t.attrs["data-value"]))).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
    expect(xTicks.map(allText)).toEqual(["10−6", "10−5", "10−4", "10−3", "10−2", "10−1"]);
    // the exponent is a raised tspan, so browsers draw it as a superscript
    expect(xTicks[0]!.children[0]!.name).toBe("tspan");
    expect(Number.parseFloat(xTicks[0]!.children[0]!.attrs.dy!)).toBeLessThan(0);
    const yTicks = byClass(byClass(svg, "y-axis")[0]!, "tick-label").map((t) => Number(t.attrs["data-value"]));
    expect(yTicks[0]).toBe(1e-6);
    expect(yTicks[yTicks.length - 1]).toBe(1);
  });

  it("maps data monotonically: larger x further right, larger y further up, on log and linear axes", () => {
    const svg = parseXml(loglog);
    const xs = byClass(byClass(svg, "x-axis")[0]!, "tick-label").map((t) => Number(t.attrs.x));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
    const ys = byClass(byClass(svg, "y-axis")[0]!, "tick-label").map((t) => Number(t.attrs.y));
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeLessThan(ys[i - 1]!);
    // equal decades are equally spaced
    const gaps = xs.slice(1).map((x, i) => x - xs[i]!);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 1);
    const dots = descendants(byClass(svg, "scatter")[0]!, (e) => e.name === "circle");
    expect(dots).toHaveLength(3);
    const cx = dots.map((d) => Number(d.attrs.cx));
    const cy = dots.map((d) => Number(d.attrs.cy));
    expect(cx[1]!).toBeGreaterThan(cx[0]!);
    expect(cx[2]!).toBeGreaterThan(cx[1]!);
    expect(cy[1]!).toBeLessThan(cy[0]!);
    expect(cy[2]!).toBeLessThan(cy[1]!);
    // a line is drawn in x order whatever order its points come in
    const path = descendants(byClass(svg, "line")[0]!, (e) => e.name === "path")[0]!.attrs.d!;
    const px = [...path.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(px).toEqual([...px].sort((a, b) => a - b));

    const lin = parseXml(
      renderChart({
        x: { label: "k" },
        y: { label: "success", min: 0, max: 1 },
        series: [
          {
            name: "exact",
            kind: "line",
            points: [
              [10, 1],
              [100, 0.5],
              [250, 0],
            ],
          },
        ],
      }),
    );
    const marks = descendants(byClass(lin, "line")[0]!, (e) => e.name === "rect");
    const mx = marks.map((m) => Number(m.attrs.x));
    const my = marks.map((m) => Number(m.attrs.y));
    expect(mx).toEqual([...mx].sort((a, b) => a - b));
    expect(my).toEqual([...my].sort((a, b) => a - b)); // success falls, so the markers go down the page
  });

  it("escapes every piece of text, so names with markup characters cannot break the document", () => {
    const nasty = `a<b & "c" 'd'>`;
    const svg = parseXml(
      renderChart({
        title: nasty,
        subtitle: nasty,
        x: { label: nasty },
        y: { label: "y" },
        notes: [nasty],
        series: [
          {
            name: nasty,
            kind: "area",
            points: [
              [0, 0],
              [1, 1],
            ],
            dash: `"><x`,
          },
        ],
      }),
    );
    expect(allText(byClass(svg, "title")[0]!)).toBe(nasty);
    expect(byClass(svg, "legend-label").map(allText)).toEqual([nasty]);
    expect(escapeXml(nasty)).toBe("a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  });

  it("leaves out points a log axis cannot show, and says how many in a note", () => {
    const svg = parseXml(
      renderChart({
        x: { label: "x", scale: "log" },
        y: { label: "y", scale: "log" },
        series: [
          {
            name: "s",
            kind: "scatter",
            points: [
              [1, 1],
              [10, 0],
              [-1, 5],
              [NaN, 1],
              [100, 10],
            ],
          },
        ],
      }),
    );
    expect(descendants(byClass(svg, "scatter")[0]!, (e) => e.name === "circle")).toHaveLength(2);
    expect(allText(byClass(svg, "notes")[0]!)).toContain("3 points not shown");
  });

  it("fills an area series down to its baseline and closes the path", () => {
    const svg = parseXml(
      renderChart({
        x: { label: "k" },
        y: { label: "f", min: 0, max: 1 },
        series: [
          {
            name: "non-unique",
            kind: "area",
            points: [
              [10, 0],
              [150, 1],
            ],
            baseline: 0,
          },
        ],
      }),
    );
    const paths = descendants(byClass(svg, "area")[0]!, (e) => e.name === "path");
    expect(paths[0]!.attrs.d!.endsWith("Z")).toBe(true);
    expect(Number(paths[0]!.attrs["fill-opacity"])).toBeGreaterThan(0);
    expect(Number(paths[0]!.attrs["fill-opacity"])).toBeLessThan(1);
  });
});

describe("axis helpers", () => {
  it("linear ticks step by 1, 2, 2.5 or 5 × 10^k and cover the domain", () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0, 250)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(linearTicks(-3, 7)).toEqual([-2, 0, 2, 4, 6]);
  });

  it("log ticks are the decades inside the domain, thinned when there are many", () => {
    expect(logTicks(1e-6, 1)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(logTicks(1e-20, 1, 10)).toEqual([1e-20, 1e-17, 1e-14, 1e-11, 1e-8, 1e-5, 1e-2]);
    expect(decadeDomain(3e-7, 0.2)).toEqual([1e-7, 1]);
    expect(decadeDomain(1e-3, 1e-3)).toEqual([1e-3, 1e-2]);
  });

  it("a scale maps the domain ends to the pixel ends and rejects a non-positive log domain", () => {
    const s = makeScale("log", 1e-6, 1, 100, 700);
    expect(s.map(1e-6)).toBeCloseTo(100, 9);
    expect(s.map(1)).toBeCloseTo(700, 9);
    expect(s.map(1e-3)).toBeCloseTo(400, 9);
    expect(Number.isNaN(s.map(0))).toBe(true);
    expect(() => makeScale("log", 0, 1, 0, 1)).toThrow(/positive domain/);
  });
});
