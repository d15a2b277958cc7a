import path from "node:path";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@": path.resolve(import.meta.dirname, "services/frontend/src") } },
  test: {
    environment: "jsdom",
    include: ["libs/web/test/**/*.test.{ts,tsx}", "services/frontend/test/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
