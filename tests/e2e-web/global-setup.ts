import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

const ROOT = path.resolve(__dirname, "../..");

interface Urls {
  web: string;
  admin: string;
  api: string;
  admin_email: string;
  admin_password: string;
}

/** Starts the platform once for the whole run (tests/e2e-web/stack.py) and stops it afterwards. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.E2E_BASE_URL) return async () => undefined; // a platform someone started already
  const python = path.join(ROOT, ".venv", "bin", "python");
  const child = spawn(python, [path.join(__dirname, "stack.py")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const urls = await new Promise<Urls>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error("the platform did not start in 300 s")), 300_000);
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Urls);
    });
    child.on("exit", (code) => reject(new Error(`tests/e2e-web/stack.py exited with ${code}; see its log above`)));
  });
  process.env.E2E_BASE_URL = urls.web;
  process.env.E2E_ADMIN_URL = urls.admin;
  process.env.E2E_API_URL = urls.api;
  process.env.E2E_ADMIN_EMAIL = urls.admin_email;
  process.env.E2E_ADMIN_PASSWORD = urls.admin_password;
  return async () => {
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.stdin.end();
    await exited;
  };
}
