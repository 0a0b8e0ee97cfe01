import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/dist/**", "**/lib/**", "build/**", ".venv/**", "kernel/labextension/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The committed `paralab` bin (kernel/bin/) is plain CommonJS: it runs before any build.
    files: ["kernel/bin/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
