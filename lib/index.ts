export * from './connection-preferences';
export * from './connection-preferences-monitor';
export * from './connection-preferences-access-role';
export type { HandlerConfiguration } from './handler-configuration';
