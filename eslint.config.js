// ESLint flat config: ESLint's and typescript-eslint's recommended rules over every TypeScript and
// JavaScript source (src, test, bench, scripts, web). Rules that flag likely bugs are errors; code
// hygiene (unused names, `any`, `let` that could be `const`, type-import style) warns, so work in
// flight never turns CI red over it — `npm run lint -- --max-warnings 0` shows what to tidy.
import eslint from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "docs/**", "models/**", "web/dist/**", "coverage/**", "test-results/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "warn",
      "@typescript-eslint/no-unused-expressions": "warn",
      "@typescript-eslint/consistent-type-imports": ["warn", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      "prefer-const": "warn",
      "no-regex-spaces": "warn",
      "no-constant-condition": ["error", { checkLoops: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  // declaration files declare names for others to use
  { files: ["**/*.d.ts", "**/*.d.mts"], rules: { "@typescript-eslint/no-unused-vars": "off" } },
  // the browser page's sources run in a browser (and its worker), not in Node
  { files: ["web/src/**"], languageOptions: { globals: { ...globals.browser, ...globals.worker } } },
);
