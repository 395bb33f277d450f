/** Connection preferences in one line, for people. */
export function describePreferences(p: { accessType: string; excludedParticipantIds: readonly string[]; revision?: number }): string {
  const exclusions = p.excludedParticipantIds.length > 0 ? `excluding ${p.excludedParticipantIds.join(', ')}` : 'no exclusions';
  return `${p.accessType}, ${exclusions}${p.revision === undefined ? '' : ` (revision ${p.revision})`}`;
}
