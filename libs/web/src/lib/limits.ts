/** Limits and defaults the services set, checked and filled in by the web apps before a round trip. */
export const PROMPT_MAX = 2000;
export const DEFAULT_PRESET = "square_1024";
