// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "types/",
      "abi/",
      "coverage/",
      "vendor/",
      "bench/",
      ".demo/",
      "scripts/node24/",
      "packages/contracts/src/generated/",
      "packages/contracts/dist/",
      "packages/contracts/abi/",
      "packages/contracts/contracts/",
      "keeper/studio/dist/",
      "keeper/studio/src/generated/",
      "test-output/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
);
