#!/usr/bin/env node
/**
 * A static file server for the built page (web/dist), bound to 127.0.0.1, printing its URL:
 * `npm run web` (builds first). `--port N` (default 8080; 0 picks a free port).
 * Node's http module is all it needs; the page itself is plain static files.
 *
 * It sends COOP/COEP headers, so the page is cross-origin isolated: performance.now() then ticks in
 * 5 µs steps in Chromium instead of 100 µs, which matters for the page's 1–3 ms timings (exact).
 * Everything the page loads is its own, so isolation blocks nothing; without the headers (any other
 * static server) the page works the same, with the coarser clock.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** Serve `dir` on 127.0.0.1:`port`; resolves to the server and its URL. */
export function serve(dir, port = 8080) {
  const rootDir = normalize(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = normalize(join(rootDir, path));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const a = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : port}/` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const dir = join(dirname(fileURLToPath(import.meta.url)), "dist");
  if (!existsSync(join(dir, "index.html"))) {
    console.error("web/dist is not built: run `npm run web:build` (or `npm run web`, which builds first)");
    process.exit(1);
  }
  serve(dir, port).then(
    ({ url }) => console.log(`geninv page: ${url}  (serving web/dist; Ctrl-C stops)`),
    (e) => {
      console.error(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
