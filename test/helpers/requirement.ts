// Tests that need a tool of the machine (nginx, openssl) may skip on a developer laptop without it,
// loudly; in CI (CI set) a missing tool is a failure, never a silent skip.

/** Returns `available`; warns when it is false, and throws instead when CI is set. */
export function requiredInCi(available: boolean, what: string): boolean {
  if (available) return true;
  const message = `${what} is not installed: SKIPPING its tests`;
  if (process.env.CI) throw new Error(`${message} is not allowed in CI`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}
