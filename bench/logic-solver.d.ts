/** Minimal types of the `logic-solver` package (MiniSat compiled to JavaScript), as the tests use it. */
declare module "logic-solver" {
  type Formula = string | object;
  interface Solution {
    getTrueVars(): string[];
    evaluate(f: Formula): boolean;
  }
  class Solver {
    require(...f: Formula[]): void;
    solve(): Solution | null;
  }
  function or(...f: Formula[]): Formula;
  function not(f: Formula): Formula;
  const Logic: { Solver: typeof Solver; or: typeof or; not: typeof not };
  export default Logic;
}
