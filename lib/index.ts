export * from './connection-preferences';
