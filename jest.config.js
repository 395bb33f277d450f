/** TypeScript is type-checked by `tsc` in the build; ts-jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: '<rootDir>/test/support/tidy-environment.ts',
  // A run leaves nothing in the temp folder: each test file gets a folder of its own there, removed after the file,
  // and the teardown fails the run if anything escaped (see test/support/).
  globalSetup: '<rootDir>/test/support/test-run-setup.ts',
  globalTeardown: '<rootDir>/test/support/test-run-teardown.ts',
  // Jest keeps its cache in the temp folder by default; a cache is meant to stay, so it stays with the project.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Jest's default is one worker less than the cores: one, on the two cores CI has. Most test time is spent waiting
  // (deadlines, latency, child processes), so two workers halve the run without starving each other.
  maxWorkers: 2,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Prefer the TypeScript sources over the JavaScript that the build emits beside them.
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
