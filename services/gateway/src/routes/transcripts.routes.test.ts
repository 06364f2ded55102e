import { parseJobOptions } from './transcripts.routes';

describe('parseJobOptions', () => {
  it('defaults the domain and reads vocabulary in either form', () => {
    expect(parseJobOptions({})).toEqual({ domain: 'general', vocabulary: [], webhookUrl: undefined });
    expect(parseJobOptions({ domain: 'software', vocabulary: ['gRPC', 'NATS'], webhook_url: 'https://example.com/h' })).toEqual({
      domain: 'software',
      vocabulary: ['gRPC', 'NATS'],
      webhookUrl: 'https://example.com/h',
    });
    expect(parseJobOptions({ domain: 'social_science', vocabulary: 'habitus, field' }).vocabulary).toEqual(['habitus', 'field']);
  });

  it('says what is wrong', () => {
    expect(() => parseJobOptions({ domain: 'law' })).toThrow(/domain must be one of general, medicine, social_science, software/);
    expect(() => parseJobOptions({ vocabulary: '[1]' })).toThrow(/strings/);
  });
});
