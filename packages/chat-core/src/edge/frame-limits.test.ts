import { createLimits } from '../limits';
import { fragmentBounds } from './frame-limits';

test('fragment bounds: the fragment limit as is, and buffered reads enough for the largest frame in minimal TCP segments', () => {
  expect(fragmentBounds(createLimits())).toEqual({ maxFragments: 16, maxBufferedChunks: 16 + 123 });
  expect(fragmentBounds(createLimits({ maxFragmentsPerMessage: 1, maxPayloadBytes: 1024 }))).toEqual({ maxFragments: 1, maxBufferedChunks: 3 });
  // Far below ws's own defaults (16384 fragments, 262144 reads), which let one socket pin megabytes (issue #10).
  expect(fragmentBounds(createLimits({ maxPayloadBytes: 16 * 1024 * 1024 })).maxBufferedChunks).toBe(16 + 31_301);
});

test('maxFragmentsPerMessage is validated with the other limits', () => {
  expect(createLimits().maxFragmentsPerMessage).toBe(16);
  expect(() => createLimits({ maxFragmentsPerMessage: 0 })).toThrow(/maxFragmentsPerMessage/);
  expect(() => createLimits({ maxFragmentsPerMessage: 16_385 })).toThrow(/maxFragmentsPerMessage/);
});
