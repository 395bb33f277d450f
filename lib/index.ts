export * from './connection-preferences';
export * from './connection-preferences-monitor';
