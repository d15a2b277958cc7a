import type { NextConfig } from "next";

const config: NextConfig = {
  // libs/web ships TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@zimage/web"],
  poweredByHeader: false,
  reactStrictMode: true,
  // The API is proxied by a Route Handler (src/app/api/v1/[...path]/route.ts), not by rewrites:
  // rewrites are fixed at build time, and the gateway's address is only known when the app starts.
  images: { unoptimized: true },
  typedRoutes: false,
};

export default config;
