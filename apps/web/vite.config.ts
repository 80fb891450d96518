import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

/** The SPA is served by the API at `/`; `pnpm dev` proxies /api to a running `tunelab serve` (TUNELAB_API, default :8787). */
export default defineConfig({
  plugins: [solid()],
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, reportCompressedSize: false },
  server: { proxy: { "/api": process.env.TUNELAB_API ?? "http://127.0.0.1:8787" } },
});
