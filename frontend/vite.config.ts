/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build: index.html at every app route, the assets under /static/ (STATICFILES_DIRS
// includes frontend/dist). In development, Vite serves the app and forwards the API to Django.
const backend = process.env.BUREAU_BACKEND ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/static/",
  plugins: [react()],
  server: {
    port: 5173,
    proxy: Object.fromEntries(
      ["/api", "/_allauth", "/v1", "/accounts", "/healthz", "/readyz"].map((prefix) => [
        prefix,
        { target: backend, changeOrigin: false },
      ]),
    ),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    globals: true,
    // Whole screens (antd in jsdom) take seconds on a busy machine; the limit only stops a hang.
    testTimeout: 30_000,
  },
});
