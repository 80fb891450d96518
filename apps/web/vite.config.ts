import { defineConfig } from "vite";
import solid from "vite-plugin-solid";
import { distRecord } from "./scripts/dist-record.mjs";

const API = process.env.TUNELAB_API ?? "http://127.0.0.1:8787";

/**
 * The SPA is served by the API at `/`; `pnpm dev` proxies /api to a running `tunelab serve`
 * (TUNELAB_API, default :8787). The server answers only its own Host and same-origin changes, so the proxy sends
 * the server's Host, and the server's origin in place of this dev server's (a page of another origin keeps its own,
 * and is refused).
 */
export default defineConfig({
  // distRecord: the files apps/web/dist was made from, so that `tunelab serve` rebuilds it once one changed
  plugins: [solid(), distRecord()],
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, reportCompressedSize: false },
  server: {
    proxy: {
      "/api": {
        target: API,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on("proxyReq", (proxyReq, req) => {
            if (req.headers.origin === `http://${req.headers.host}`) proxyReq.setHeader("origin", new URL(API).origin);
          });
        },
      },
    },
  },
});
