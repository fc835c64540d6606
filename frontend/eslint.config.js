// ESLint (flat config): typescript-eslint with type information, React's hooks rules, and the one data layer.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores(["src/api/schema.d.ts"]),
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, reactHooks.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // Pages and components read and change server data through the hooks of src/api/queries only
    // (Chronicles' console through its own client, src/console/graphql.ts).
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/api/**", "src/**/*.test.{ts,tsx}", "src/test-utils.tsx", "src/console/graphql.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "Call the API through the hooks of src/api/queries (the gateway: api/gateway.ts)." },
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/api/client"],
              importNames: ["api", "apiRequest", "unwrap"],
              message: "Pages use the hooks of src/api/queries, which call the typed client.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests: fetch mocks are async without awaiting, and fixtures cast freely.
    files: ["src/**/*.test.{ts,tsx}", "src/test-utils.tsx"],
    rules: {
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
    },
  },
  {
    files: ["eslint.config.js"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
]);
