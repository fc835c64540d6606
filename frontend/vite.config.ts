/// <reference types="vitest/config" />
import { defineConfig } from "vite";

const backend = "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  base: "/",
  // Component styles are CSS Modules (`*.module.css`): `.check-status` is `styles.checkStatus` in TypeScript.
  css: { modules: { localsConvention: "camelCaseOnly" } },
  build: {
    outDir: "../src/practica/web/static",
    emptyOutDir: true,
    assetsDir: "assets",
    rollupOptions: {
      output: {
        // Keep the big IDE libraries in their own cacheable chunks.
        manualChunks(id) {
          if (id.includes("/node_modules/@xterm/")) return "xterm";
          if (/\/node_modules\/(@codemirror\/(state|view|language|commands)|@lezer\/(common|highlight|lr)|style-mod|w3c-keyname|crelt)\//.test(id)) {
            return "codemirror";
          }
          return undefined;
        },
      },
      onwarn(warning, warn) {
        // react-router ships "use client" directives, meaningless for a client-only bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.message.includes('"use client"')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": backend,
      "/ping": backend,
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    // CSS Modules keep their class names in tests (`activity-text`, not a hashed one).
    css: { include: [/\.module\.css$/], modules: { classNameStrategy: "non-scoped" } },
    include: ["src/**/*.test.{ts,tsx}"],
    // A test's own waits are short; the whole test may take longer on a loaded two-core machine (the IDE's
    // lesson test took 4.7 s of Vitest's default 5 s there), which is slowness, not a failure.
    testTimeout: 20_000,
  },
});
