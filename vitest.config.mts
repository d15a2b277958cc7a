import path from "node:path";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// One project per package: each app's "@/..." points into its own src/.
const app = (name: string, folder: string) => ({
  extends: true as const,
  resolve: { alias: { "@": path.resolve(import.meta.dirname, folder, "src") } },
  test: { name, include: [`${folder}/test/**/*.test.{ts,tsx}`] },
});

export default defineConfig({
  plugins: [react()],
  test: {
    environment: "jsdom",
    restoreMocks: true,
    projects: [
      { extends: true, test: { name: "web", include: ["libs/web/test/**/*.test.{ts,tsx}"] } },
      app("frontend", "services/frontend"),
      app("admin-ui", "services/admin-ui"),
    ],
  },
});
