import { cardinal, normalizeText, ordinal } from './text.js';

describe('normalizeText (the training rules)', () => {
  it.each([
    ['Hello, World!', 'hello world'],
    ['  Multiple   spaces\tand\nlines ', 'multiple spaces and lines'],
    ["Don't stop — it's the patients' choice", "don't stop it's the patients choice"],
    ['\u2018quoted\u2019 caf\u00e9 na\u00efve', 'quoted cafe naive'],
    ['follow-up and/or snake_case', 'follow up and or snake case'],
    ['R&D at 50% with C++', 'r and d at fifty percent with c plus plus'],
    ['42 and 105 and 1000000', 'forty two and one hundred five and one million'],
    ['1,200 people', 'one thousand two hundred people'],
    ['the 1st, 2nd, 3rd, 4th and 21st', 'the first second third fourth and twenty first'],
    ['3.5 mg', 'three point five mg'],
    ['in 1990, 1905, 1800, 2024 and 2005', 'in nineteen ninety nineteen oh five eighteen hundred twenty twenty four and two thousand five'],
    ['1234567890123456', 'one two three four five six seven eight nine zero one two three four five six'],
    ['', ''],
    ['!!!', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('spells cardinals and ordinals', () => {
    expect(cardinal(0)).toBe('zero');
    expect(cardinal(2_000_019)).toBe('two million nineteen');
    expect(ordinal(12)).toBe('twelfth');
    expect(ordinal(40)).toBe('fortieth');
  });
});
