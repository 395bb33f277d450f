import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ConnectionPreferencesResourceProperties } from './resource-properties';

/** One ConnectionPreferences as the construct declared it: what a monitor of its stack needs to know at synth. */
export interface DeclaredResource {
  /** The construct (ConnectionPreferences). */
  readonly construct: IConstruct;
  /** The custom resource's properties as synthesized, tokens included. */
  readonly properties: ConnectionPreferencesResourceProperties;
}

/** By stack, in declaration order. Kept out of the public API (lib/index.ts): it is the library's own bookkeeping. */
const declaredByStack = new WeakMap<Stack, DeclaredResource[]>();

export function recordDeclaration(resource: DeclaredResource): void {
  const stack = Stack.of(resource.construct);
  declaredByStack.set(stack, [...declaredByStack.get(stack) ?? [], resource]);
}

/** The ConnectionPreferences of a stack, so far: call it from a validation or Lazy to see them all. */
export function declaredIn(stack: Stack): DeclaredResource[] {
  return declaredByStack.get(stack) ?? [];
}
