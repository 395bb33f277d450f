/** The monitor's function (being written): checks the stack's ConnectionPreferences against the live preferences. */
export async function handler(): Promise<void> {
  return undefined;
}
