/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";

const outDir = decodeURIComponent(new URL("../src/keel/server/static", import.meta.url).pathname);

// The build lands inside the Python package; it ignores itself so it is never committed.
const ignoreBuildOutput: Plugin = {
  name: "keel-ignore-build-output",
  apply: "build",
  generateBundle() {
    this.emitFile({ type: "asset", fileName: ".gitignore", source: "# built by `npm run build` in ui/\n*\n" });
  },
};

export default defineConfig({
  plugins: [ignoreBuildOutput],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a keel server on :5000
    proxy: { "/ajax-api": "http://127.0.0.1:5000", "/api": "http://127.0.0.1:5000" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    setupFiles: ["src/test/setup.ts"],
  },
});
