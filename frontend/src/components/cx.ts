/** Class names joined by spaces, leaving out the absent ones (a CSS Module has no class for an unused name). */
export function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(" ");
}
