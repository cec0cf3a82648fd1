// Polling with a deadline for multi-node tests: conditions on other processes settle in their own
// time, so tests poll instead of sleeping a fixed amount.
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // The node may be restarting: try again until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
