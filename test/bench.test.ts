import { runBenchmarks, TINY } from '../bench/benchmarks';

jest.setTimeout(180_000);

// The benchmark is not part of the tests; this runs it with tiny sizes so that it cannot rot.
test('the benchmark runs and produces every figure', async () => {
  const results = await runBenchmarks(TINY);

  const figures = [
    'bundleBytes', 'bundleGzipBytes', 'requireMs', 'emptyRequireMs', 'requireRatio',
    'callsPerChange', 'callsPerNoop', 'callsPerDeleteRetain', 'callsPerOneConflict',
    'contentionWriters', 'contentionSucceeded', 'contentionLostWrites', 'contentionP50Ms', 'contentionP95Ms',
    'apiDownFailMs', 'conflictStormFailMs', 'deadlineMs',
    'synthMs1', 'synthMs100', 'synthRatio100', 'handlerAssetsInAssembly', 'planMs1', 'planMs100', 'planRatio100',
    'resourcesPerStack', 'resourcesPerExtraInstance',
  ];
  for (const figure of figures) {
    expect([figure, Number.isFinite(results[figure])]).toEqual([figure, true]);
  }
  // Counts are exact whatever the machine: a change in them is a change in behaviour.
  expect(results).toMatchObject({ callsPerChange: 2, callsPerNoop: 1, callsPerDeleteRetain: 0, callsPerOneConflict: 4, handlerAssetsInAssembly: 1, resourcesPerExtraInstance: 1 });
});
