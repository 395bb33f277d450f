export * from './connection-preferences';
export * from './connection-preferences-monitor';
export type { HandlerConfiguration } from './handler-configuration';
