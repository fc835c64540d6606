// The Chronicles operators' console: its own entry and build, served by `chronicles serve` at /console/.
// Paths are relative to `root` (frontend/src/console); npm runs this from frontend/.
import { defineConfig } from "vite";

const chronicles = "http://127.0.0.1:8001";

export default defineConfig({
  root: "src/console",
  base: "/console/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../../../src/chronicles/console/static",
    emptyOutDir: true,
    assetsDir: "assets",
  },
  server: { proxy: { "/internal": chronicles } },
});
