import path from "node:path";

import type { NextConfig } from "next";

/** Both web apps' next.config: `appDir` is the app's folder (its `__dirname`), two levels below the workspace root. */
export function webAppConfig(appDir: string): NextConfig {
  // The npm workspace's root (package-lock.json, node_modules, libs/web): what the standalone output traces from.
  const workspaceRoot = path.resolve(appDir, "../..");
  return {
    // libs/web ships TypeScript sources; Next compiles them with the app.
    transpilePackages: ["@zimage/web"],
    poweredByHeader: false,
    reactStrictMode: true,
    // The API is proxied by a Route Handler (src/app/api/v1/[...path]/route.ts), not by rewrites:
    // rewrites are fixed at build time, and the gateway's address is only known when the app starts.
    images: { unoptimized: true },
    typedRoutes: false,
    // .next/standalone: a server.js with only the traced node_modules, what deploy/docker/web.Dockerfile ships.
    // Traced from the workspace root, so the server sits at .next/standalone/services/<app>/server.js.
    // `make dev` runs that server too (scripts/build-frontend.sh puts .next/static beside it; `next start`
    // would only warn that it does not fit standalone output).
    output: "standalone",
    outputFileTracingRoot: workspaceRoot,
    turbopack: { root: workspaceRoot },
  };
}
