import { quote, shorten, summarise, SERVICE_TEXT } from '../lib/summary';

test('a list of up to 3 shows whole; a longer one its first 3 and how many more', () => {
  expect(summarise([])).toBe('');
  expect(summarise(['a', 'b', 'c'])).toBe('a, b, c');
  expect(summarise(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c and 2 more');
  expect(summarise(['a', 'b', 'c', 'd'], '; ')).toBe('a; b; c and 1 more');
});

test('a value shows whole up to 128 characters, else its first 32 and its length', () => {
  expect(shorten('x'.repeat(128))).toBe('x'.repeat(128));
  expect(shorten('x'.repeat(129))).toBe(`${'x'.repeat(32)}… (129 characters)`);
  expect(shorten('y'.repeat(301), SERVICE_TEXT)).toBe(`${'y'.repeat(300)}… (301 characters)`);
});

test('characters are counted and kept whole, not split into UTF-16 halves', () => {
  expect(shorten('😀'.repeat(128))).toBe('😀'.repeat(128));
  expect(shorten('😀'.repeat(200))).toBe(`${'😀'.repeat(32)}… (200 characters)`);
});

test('quote shows a value as JSON, of any type, shortened', () => {
  expect(quote('p a')).toBe('"p a"');
  expect(quote('"\n'.repeat(100))).toBe(`${JSON.stringify('"\n'.repeat(16))}… (200 characters)`);
  expect(quote(42)).toBe('42');
  expect(quote(undefined)).toBe('undefined');
  expect(quote({ list: 'z'.repeat(200) })).toBe(`{"list":"${'z'.repeat(23)}… (211 characters)`);
});
