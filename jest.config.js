/** TypeScript is type-checked by `tsc` in the build; ts-jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: '<rootDir>/test/support/tidy-environment.ts',
  // A run leaves nothing in the temp folder: each test file gets a folder of its own there, removed after the file,
  // and the teardown fails the run if anything escaped (see test/support/).
  globalSetup: '<rootDir>/test/support/test-run-setup.ts',
  globalTeardown: '<rootDir>/test/support/test-run-teardown.ts',
  // Jest keeps its cache in the temp folder by default; a cache is meant to stay, so it stays with the project.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Jest's default is one worker less than the cores: one, on the two cores CI has. Much test time is spent waiting
  // (deadlines, latency, the SDK's 10-second request timeout), so three workers on two cores keep both cores busy:
  // measured on a fresh clone, 3 workers against 503 s of jest with 2.
  maxWorkers: 3,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Prefer the TypeScript sources over the JavaScript that the build emits beside them.
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
