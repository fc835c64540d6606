/// <reference types="vitest/config" />
import { defineConfig } from "vite";

const backend = "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  base: "/",
  build: {
    outDir: "../src/practica/web/static",
    emptyOutDir: true,
    assetsDir: "assets",
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
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
