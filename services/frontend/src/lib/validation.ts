/** Client-side checks that mirror the server's rules, so mistakes show in place before a round trip. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;
export const DISPLAY_NAME_MAX = 80;

export type PasswordProblem = "short" | "long" | "containsEmail" | "needsMix";

export function passwordProblem(password: string, email: string): PasswordProblem | null {
  if (password.length < PASSWORD_MIN) return "short";
  if (password.length > PASSWORD_MAX) return "long";
  const local = email.split("@")[0]?.toLowerCase() ?? "";
  if (local.length >= 3 && password.toLowerCase().includes(local)) return "containsEmail";
  if (!/\p{L}/u.test(password) || !/[\d\W_]/u.test(password)) return "needsMix";
  return null;
}
