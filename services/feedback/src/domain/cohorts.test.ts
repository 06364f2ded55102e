import { cohortGaps, largestGapByModel, validateAttributes } from './cohorts.js';

describe('cohorts', () => {
  it('finds the best and worst cohort per model and attribute, ignoring small cohorts', () => {
    const gaps = cohortGaps(
      [
        { modelVersion: 'v1', attribute: 'accent', value: 'scottish', jobs: 5, wer: 0.3 },
        { modelVersion: 'v1', attribute: 'accent', value: 'us', jobs: 9, wer: 0.1 },
        { modelVersion: 'v1', attribute: 'accent', value: 'irish', jobs: 1, wer: 0.9 },
        { modelVersion: 'v1', attribute: 'setup', value: 'phone', jobs: 5, wer: 0.25 },
        { modelVersion: 'v1', attribute: 'setup', value: 'studio', jobs: 5, wer: 0.2 },
      ],
      2,
    );
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toMatchObject({ attribute: 'accent', bestValue: 'us', worstValue: 'scottish' });
    expect(gaps[0]!.gap).toBeCloseTo(0.2);
    expect(largestGapByModel(gaps).get('v1')).toBeCloseTo(0.2);
  });

  it('normalises attribute names and refuses bad ones', () => {
    expect(validateAttributes({ Accent: ' scottish ', setup: '' })).toEqual({ accent: 'scottish' });
    expect(() => validateAttributes({ 'bad key!': 'x' })).toThrow('cohort attribute');
  });
});
