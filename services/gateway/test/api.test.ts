// The public REST API against real PostgreSQL and real gRPC servers (in-test implementations of
// upload, inference, billing and feedback), through app.inject().
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { revokeApiKey, createApiKey } from '../src/adapters/accounts.repository';
import { fakeAudio, multipart, startTestGateway, type TestGateway } from './support';

let t: TestGateway;
let alice: Awaited<ReturnType<TestGateway['newAccount']>>;
let bob: Awaited<ReturnType<TestGateway['newAccount']>>;
let audioServer: Server;
let audioUrl: string;

beforeAll(async () => {
  t = await startTestGateway();
  alice = await t.newAccount('Alice');
  bob = await t.newAccount('Bob');
  audioServer = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(fakeAudio(64_000));
  });
  await new Promise<void>((r) => audioServer.listen(0, '127.0.0.1', r));
  audioUrl = `http://127.0.0.1:${(audioServer.address() as AddressInfo).port}/talks/interview.wav`;
});

afterAll(async () => {
  await new Promise((r) => audioServer.close(r));
  await t.close();
});

const inject = (...args: Parameters<TestGateway['gateway']['http']['inject']>) => t.gateway.http.inject(...args);

async function upload(auth: Record<string, string>, fields: Record<string, string> = {}, content = fakeAudio(64_000), filename = 'interview.wav') {
  const body = multipart(fields, { filename, content });
  return inject({ method: 'POST', url: '/v1/transcripts', headers: { ...auth, ...body.headers }, payload: body.payload });
}

describe('authentication', () => {
  it('401 without a key, with a malformed, unknown or revoked key', async () => {
    const none = await inject({ method: 'GET', url: '/v1/transcripts' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: 'unauthenticated', message: expect.stringMatching(/missing API key/) } });

    const basic = await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: 'Basic abc' } });
    expect(basic.json().error.message).toMatch(/malformed Authorization header/);

    const malformed = await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: 'Bearer sk-123' } });
    expect(malformed.json().error.message).toMatch(/malformed API key/);

    const unknown = await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: `Bearer ${alice.apiKey.slice(0, -4)}0000` } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe('invalid API key');

    const extra = await createApiKey(t.gateway.deps.db, alice.accountId, 'to revoke');
    expect((await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: `Bearer ${extra.key}` } })).statusCode).toBe(200);
    await revokeApiKey(t.gateway.deps.db, alice.accountId, extra.keyId);
    const revoked = await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: `Bearer ${extra.key}` } });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.message).toMatch(/revoked/);
  });

  it('records when a key was last used', async () => {
    const { rows } = await t.gateway.deps.db.query('SELECT last_used_at FROM api_keys WHERE account_id = $1', [alice.accountId]);
    expect(rows.some((r: { last_used_at: Date | null }) => r.last_used_at !== null)).toBe(true);
  });
});

describe('POST /v1/transcripts', () => {
  it('streams a multipart upload in chunks and answers 202 with the job', async () => {
    const before = t.fakes.uploads.length;
    const res = await upload(alice.auth, { domain: 'medicine', vocabulary: '["ketamine", "propofol"]' }, fakeAudio(600 * 1024));
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json();
    expect(status).toBe('queued');
    expect(res.headers.location).toBe(`/v1/transcripts/${id}`);
    const up = t.fakes.uploads[before]!;
    expect(up.bytes).toBe(600 * 1024);
    expect(up.chunkSizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...up.chunkSizes)).toBeLessThanOrEqual(256 * 1024);
    const reserve = t.fakes.calls.filter((c) => c.method === 'Reserve').pop()!.request as { accountId: string; jobId: string };
    expect(reserve).toMatchObject({ accountId: alice.accountId, jobId: id });
    const job = t.fakes.jobs.get(id)!.job;
    expect(job).toMatchObject({ accountId: alice.accountId, domain: 'medicine', vocabulary: ['ketamine', 'propofol'], filename: 'interview.wav' });
  });

  it('accepts fields after the file and comma-separated vocabulary', async () => {
    const body = multipart({}, { filename: 'a.wav', content: fakeAudio(1000) });
    const trailing = Buffer.from(body.payload.toString('latin1').replace(/--\r\n$/, `\r\nContent-Disposition: form-data; name="vocabulary"\r\n\r\ngRPC, JetStream\r\n${body.headers['content-type'].split('boundary=')[1] ? '--' + body.headers['content-type'].split('boundary=')[1] + '--\r\n' : ''}`), 'latin1');
    const res = await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...alice.auth, ...body.headers }, payload: trailing });
    expect(res.statusCode).toBe(202);
    expect(t.fakes.jobs.get(res.json().id)!.job.vocabulary).toEqual(['gRPC', 'JetStream']);
  });

  it('400 for a bad domain, and the uploaded media is deleted', async () => {
    const deletes = t.fakes.count('DeleteMedia');
    const res = await upload(alice.auth, { domain: 'astrology' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/domain must be one of general, medicine/);
    expect(t.fakes.count('DeleteMedia')).toBe(deletes + 1);
  });

  it('400 without a file', async () => {
    const body = multipart({ domain: 'general' });
    const res = await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...alice.auth, ...body.headers }, payload: body.payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/field "file"/);
  });

  it('402 with how much is missing when credit is short, and the media is deleted', async () => {
    const poor = await t.newAccount('Poor');
    t.fakes.balances.set(poor.accountId, 1_000);
    const deletes = t.fakes.count('DeleteMedia');
    t.fakes.pricePerMinuteMicros = 1_000_000;
    const res = await upload(poor.auth, {}, fakeAudio(64_000)); // 2 s at $1/min = $0.033, $0.001 available
    t.fakes.pricePerMinuteMicros = 6_000;
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('insufficient_credit');
    expect(res.json().error.message).toMatch(/\$0\.03 more is needed .*costs \$0\.03, the available balance is \$0\.00/);
    expect(t.fakes.count('DeleteMedia')).toBe(deletes + 1);
    expect(t.fakes.count('CreateJob')).toBe(t.fakes.jobs.size);
  }, 60_000);

  it('releases the reservation and deletes the media when the job cannot be created', async () => {
    const [rel, del] = [t.fakes.count('Release'), t.fakes.count('DeleteMedia')];
    const res = await upload(alice.auth, { domain: 'software', vocabulary: 'explode' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).not.toMatch(/database/);
    expect(t.fakes.count('Release')).toBe(rel + 1);
    expect(t.fakes.count('DeleteMedia')).toBe(del + 1);
  });

  it('passes upload refusals through as clear 4xx', async () => {
    const pdf = await upload(alice.auth, {}, Buffer.from('%PDF-1.7 not audio'), 'paper.pdf');
    expect(pdf.statusCode).toBe(415);
    expect(pdf.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.stringMatching(/PDF/) } });
    const garbage = await upload(alice.auth, {}, Buffer.from('GARBAGE bytes'));
    expect(garbage.statusCode).toBe(422);
    const empty = await upload(alice.auth, {}, Buffer.alloc(0));
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.message).toMatch(/empty/);
    const long = await upload(alice.auth, {}, Buffer.from('LONG audio'));
    expect(long.statusCode).toBe(413);
  });

  it('answers a refusal on the first chunk of a large file without waiting for the rest', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7'), Buffer.alloc(900 * 1024)]);
    const res = await upload(alice.auth, {}, big, 'slides.pdf');
    expect(res.statusCode).toBe(415);
    // The same connection's next request still works.
    expect((await upload(alice.auth, {}, fakeAudio(1000))).statusCode).toBe(202);
  });

  it('over real HTTP, refusals of large uploads reach the client before it has sent everything', async () => {
    const post = (b: ReturnType<typeof multipart>) => fetch(`http://127.0.0.1:${t.port}/v1/transcripts`, { method: 'POST', headers: { ...alice.auth, ...b.headers }, body: b.payload });
    expect((await post(multipart({}, { filename: 'slides.pdf', content: Buffer.concat([Buffer.from('%PDF-1.7'), Buffer.alloc(900 * 1024)]) }))).status).toBe(415);
    expect((await post(multipart({}, { filename: 'big.wav', content: fakeAudio(2 * 1024 * 1024) }))).status).toBe(413);
    expect((await post(multipart({}, { filename: 'ok.wav', content: fakeAudio(1000) }))).status).toBe(202);
  });

  it('413 when the file is over MAX_UPLOAD_BYTES, without creating a job', async () => {
    const jobs = t.fakes.jobs.size;
    const res = await upload(alice.auth, {}, fakeAudio(1024 * 1024 + 10));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    expect(t.fakes.jobs.size).toBe(jobs);
  });

  it('refuses audio_url and webhook_url pointing at private addresses (SSRF)', async () => {
    const res = await inject({ method: 'POST', url: '/v1/transcripts', headers: alice.auth, payload: { audio_url: audioUrl } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/audio_url refused: 127\.0\.0\.1 resolves to a loopback address/);
    const meta = await inject({ method: 'POST', url: '/v1/transcripts', headers: alice.auth, payload: { audio_url: 'http://169.254.169.254/latest/meta-data' } });
    expect(meta.json().error.message).toMatch(/link local/);
    const ftp = await inject({ method: 'POST', url: '/v1/transcripts', headers: alice.auth, payload: { audio_url: 'ftp://example.com/a.wav' } });
    expect(ftp.statusCode).toBe(400);
    const hook = await upload(alice.auth, { webhook_url: 'http://10.0.0.5/hook' });
    expect(hook.statusCode).toBe(400);
    expect(hook.json().error.message).toMatch(/webhook_url refused/);
  });

  it('400 for a JSON body that does not match the schema', async () => {
    const res = await inject({ method: 'POST', url: '/v1/transcripts', headers: alice.auth, payload: { audio_url: 'x', color: 'red' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_argument');
  });
});

describe('audio_url with an allow-list', () => {
  let allowed: TestGateway;
  beforeAll(async () => {
    allowed = await startTestGateway({ AUDIO_URL_ALLOWLIST: '127.0.0.1' });
  });
  afterAll(() => allowed.close());

  it('fetches the URL and streams it to the upload service', async () => {
    const a = await allowed.newAccount();
    const res = await allowed.gateway.http.inject({ method: 'POST', url: '/v1/transcripts', headers: a.auth, payload: { audio_url: audioUrl, vocabulary: ['Verbatim'] } });
    expect(res.statusCode).toBe(202);
    expect(allowed.fakes.uploads[0]).toMatchObject({ filename: 'interview.wav', bytes: 64_000 });
  });

  it('re-checks redirects', async () => {
    const a = await allowed.newAccount();
    const res = await allowed.gateway.http.inject({ method: 'POST', url: '/v1/transcripts', headers: a.auth, payload: { audio_url: audioUrl.replace('/talks/interview.wav', '/redirect') } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/redirect.*169\.254\.169\.254/);
  });
});

describe('reading, exporting, listing and deleting', () => {
  let id: string;
  beforeAll(async () => {
    id = (await upload(alice.auth, { domain: 'general' }, fakeAudio(64_000), 'Interview 7.wav')).json().id;
  });

  it('shows a queued job with its details', async () => {
    const res = await inject({ method: 'GET', url: `/v1/transcripts/${id}`, headers: alice.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'queued', filename: 'Interview 7.wav', domain: 'general', duration_seconds: 2, progress: 0, queue_position: 0 });
    expect(res.json().text).toBeUndefined();
  });

  it('409 on export before completion', async () => {
    const res = await inject({ method: 'GET', url: `/v1/transcripts/${id}/export?format=srt`, headers: alice.auth });
    expect(res.statusCode).toBe(409);
  });

  it("another account's transcript is 404, as is a malformed id", async () => {
    for (const url of [`/v1/transcripts/${id}`, `/v1/transcripts/${id}/export`]) {
      const res = await inject({ method: 'GET', url, headers: bob.auth });
      expect(res.statusCode).toBe(404);
    }
    expect((await inject({ method: 'DELETE', url: `/v1/transcripts/${id}`, headers: bob.auth })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/v1/transcripts/not-a-uuid', headers: alice.auth })).statusCode).toBe(404);
    const list = await inject({ method: 'GET', url: '/v1/transcripts', headers: bob.auth });
    expect(list.json().data.map((j: { id: string }) => j.id)).not.toContain(id);
  });

  it('serves the completed transcript with segments, words and model', async () => {
    t.fakes.completeJob(id, 'the patient received ketamine');
    const res = await inject({ method: 'GET', url: `/v1/transcripts/${id}`, headers: alice.auth });
    const body = res.json();
    expect(body).toMatchObject({ status: 'completed', progress: 1, text: 'the patient received ketamine', model: { name: 'verbatim-en', version: '1.2.0' } });
    expect(body.completed_at).toBeDefined();
    expect(body.segments[0].words[3]).toEqual({ word: 'ketamine', start: 1.5, end: 1.9, confidence: 0.9 });
    expect(body.revision).toBeUndefined();
  });

  it('exports txt, srt, vtt and json with a download name from the upload', async () => {
    const get = (format: string) => inject({ method: 'GET', url: `/v1/transcripts/${id}/export?format=${format}`, headers: alice.auth });
    const srt = await get('srt');
    expect(srt.headers['content-type']).toMatch(/application\/x-subrip/);
    expect(srt.headers['content-disposition']).toContain('filename="Interview 7.srt"');
    expect(srt.body).toBe('1\n00:00:00,000 --> 00:00:02,000\nthe patient received ketamine\n');
    const vtt = await get('vtt');
    expect(vtt.headers['content-type']).toMatch(/text\/vtt/);
    expect(vtt.body.startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:02.000')).toBe(true);
    const txt = await get('txt');
    expect(txt.headers['content-type']).toMatch(/text\/plain/);
    expect(txt.body).toBe('the patient received ketamine\n');
    const json = await get('json');
    expect(json.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(json.body)).toMatchObject({ id, text: 'the patient received ketamine', segments: [expect.any(Object)] });
    const docx = await get('docx');
    expect(docx.statusCode).toBe(200);
    expect(docx.headers['content-type']).toMatch(/wordprocessingml/);
    expect(docx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    expect((await get('pdf')).statusCode).toBe(400);
  });

  it('serves a corrected revision and keeps the machine text; ignores feedback being down', async () => {
    const machine = t.fakes.jobs.get(id)!.transcript!;
    t.fakes.corrections.set(id, { revision: 2, transcript: { ...machine, text: 'the patient received ketamine today', segments: [{ ...machine.segments[0]!, text: 'the patient received ketamine today' }] } });
    const res = await inject({ method: 'GET', url: `/v1/transcripts/${id}`, headers: alice.auth });
    expect(res.json()).toMatchObject({ text: 'the patient received ketamine today', revision: 2, machine_text: 'the patient received ketamine' });
    t.fakes.feedbackDown = true;
    const down = await inject({ method: 'GET', url: `/v1/transcripts/${id}`, headers: alice.auth });
    expect(down.statusCode).toBe(200);
    expect(down.json().text).toBe('the patient received ketamine');
    t.fakes.feedbackDown = false;
    t.fakes.corrections.delete(id);
  });

  it('lists newest first with a cursor and a status filter', async () => {
    const page1 = await inject({ method: 'GET', url: '/v1/transcripts?limit=2', headers: alice.auth });
    expect(page1.statusCode).toBe(200);
    expect(page1.json().data).toHaveLength(2);
    expect(page1.json().next_cursor).toBe('2');
    const page2 = await inject({ method: 'GET', url: `/v1/transcripts?limit=2&cursor=${page1.json().next_cursor}`, headers: alice.auth });
    expect(page2.json().data[0].id).not.toBe(page1.json().data[0].id);
    const completed = await inject({ method: 'GET', url: '/v1/transcripts?status=completed', headers: alice.auth });
    expect(completed.json().data.map((j: { id: string }) => j.id)).toEqual([id]);
    expect((await inject({ method: 'GET', url: '/v1/transcripts?limit=1000', headers: alice.auth })).statusCode).toBe(400);
  });

  it('rates and corrects through the feedback service', async () => {
    const rating = await inject({ method: 'POST', url: `/v1/transcripts/${id}/rating`, headers: alice.auth, payload: { thumbs: 'down', comment: 'missed a word' } });
    expect(rating.statusCode).toBe(201);
    expect(rating.json()).toMatchObject({ job_id: id, score: 1, comment: 'missed a word' });
    expect((await inject({ method: 'POST', url: `/v1/transcripts/${id}/rating`, headers: alice.auth, payload: { score: 9 } })).statusCode).toBe(400);
    expect((await inject({ method: 'POST', url: `/v1/transcripts/${id}/rating`, headers: bob.auth, payload: { score: 5 } })).statusCode).toBe(404);
    const corr = await inject({ method: 'POST', url: `/v1/transcripts/${id}/corrections`, headers: alice.auth, payload: { base_revision: 0, edits: [{ segment_id: 0, word_index: 3, word: 'ketamine.' }] } });
    expect(corr.statusCode).toBe(201);
    expect(corr.json()).toMatchObject({ job_id: id, revision: 1, wer: 0.1 });
    const stale = await inject({ method: 'POST', url: `/v1/transcripts/${id}/corrections`, headers: alice.auth, payload: { base_revision: 5, edits: [{ segment_id: 0, word_index: 0, word: 'a' }] } });
    expect(stale.statusCode).toBe(409);
  });

  it('deletes the transcript and its audio; a second delete is 404', async () => {
    const mediaId = t.fakes.jobs.get(id)!.job.mediaId;
    const res = await inject({ method: 'DELETE', url: `/v1/transcripts/${id}`, headers: alice.auth });
    expect(res.statusCode).toBe(204);
    expect(t.fakes.media.has(mediaId)).toBe(false);
    expect((await inject({ method: 'DELETE', url: `/v1/transcripts/${id}`, headers: alice.auth })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/v1/transcripts/${id}`, headers: alice.auth })).statusCode).toBe(404);
  });
});

describe('billing and account', () => {
  it('shows balance and usage', async () => {
    const bal = await inject({ method: 'GET', url: '/v1/billing/balance', headers: alice.auth });
    expect(bal.json()).toMatchObject({ available: { micros: 10_000_000, currency: 'USD', amount: '10.00' }, plan: 'prepaid' });
    const usage = await inject({ method: 'GET', url: '/v1/billing/usage?month=2026-11', headers: alice.auth });
    expect(usage.json()).toMatchObject({ month: '2026-11', jobs: 1, charged_usd: 0.012, audio_seconds: 120, charged: { micros: 12_000, amount: '0.01' }, lines: [{ job_id: 'j1', at: '2026-11-02T10:00:00.000Z' }] });
    expect((await inject({ method: 'GET', url: '/v1/billing/usage?month=2026-13', headers: alice.auth })).statusCode).toBe(400);
  });

  it('shows the account and changes data consent, telling feedback', async () => {
    const before = await inject({ method: 'GET', url: '/v1/account', headers: alice.auth });
    expect(before.json()).toMatchObject({ id: alice.accountId, name: 'Alice', data_consent: true });
    const res = await inject({ method: 'PATCH', url: '/v1/account', headers: alice.auth, payload: { data_consent: false } });
    expect(res.json()).toMatchObject({ id: alice.accountId, data_consent: false });
    expect(t.fakes.calls.filter((c) => c.method === 'SetConsent').pop()!.request).toMatchObject({ accountId: alice.accountId, exportAllowed: false });
    expect((await inject({ method: 'PATCH', url: '/v1/account', headers: alice.auth, payload: { name: 'x' } })).statusCode).toBe(400);
  });

  it("returns the account's webhook secret", async () => {
    const res = await inject({ method: 'GET', url: '/v1/webhooks/secret', headers: alice.auth });
    expect(res.json().secret).toMatch(/^whsec_/);
    const other = await inject({ method: 'GET', url: '/v1/webhooks/secret', headers: bob.auth });
    expect(other.json().secret).not.toBe(res.json().secret);
  });
});

describe('API keys', () => {
  it('creates, lists (without secrets) and revokes keys of the own account only', async () => {
    const created = await inject({ method: 'POST', url: '/v1/api-keys', headers: alice.auth, payload: { name: 'ci' } });
    expect(created.statusCode).toBe(201);
    const key = created.json();
    expect(key.key).toMatch(/^vb_[0-9a-f]{12}_[0-9a-f]{64}$/);
    expect(key.key).toContain(key.prefix);
    const list = (await inject({ method: 'GET', url: '/v1/api-keys', headers: alice.auth })).json().data;
    expect(list.find((k: { id: string }) => k.id === key.id)).toEqual({ id: key.id, name: 'ci', prefix: key.prefix, created_at: key.created_at, last_used_at: null });
    expect(JSON.stringify(list)).not.toContain(key.key.slice(-64));
    expect((await inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: bob.auth })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: alice.auth })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/v1/transcripts', headers: { authorization: `Bearer ${key.key}` } })).statusCode).toBe(401);
  });
});

describe('Idempotency-Key', () => {
  it('answers a replay with the first job and uploads nothing new', async () => {
    const headers = { ...alice.auth, 'idempotency-key': 'batch-7-file-1' };
    const body = multipart({}, { filename: 'a.wav', content: fakeAudio(1000) });
    const first = await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...headers, ...body.headers }, payload: body.payload });
    const uploads = t.fakes.uploads.length;
    const again = await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...headers, ...body.headers }, payload: body.payload });
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expect(t.fakes.uploads.length).toBe(uploads);
  });

  it('creates one job for concurrent requests with the same key', async () => {
    const jobs = t.fakes.jobs.size;
    const headers = { ...alice.auth, 'idempotency-key': 'concurrent-1' };
    const send = () => {
      const body = multipart({}, { filename: 'a.wav', content: fakeAudio(1000) });
      return inject({ method: 'POST', url: '/v1/transcripts', headers: { ...headers, ...body.headers }, payload: body.payload });
    };
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.json().id).toBe(b.json().id);
    expect(t.fakes.jobs.size).toBe(jobs + 1);
  });

  it('gives the key back when the request fails, so a corrected retry works', async () => {
    const headers = { ...alice.auth, 'idempotency-key': 'retry-after-400' };
    const bad = multipart({ domain: 'astrology' }, { filename: 'a.wav', content: fakeAudio(1000) });
    expect((await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...headers, ...bad.headers }, payload: bad.payload })).statusCode).toBe(400);
    const good = multipart({ domain: 'general' }, { filename: 'a.wav', content: fakeAudio(1000) });
    const res = await inject({ method: 'POST', url: '/v1/transcripts', headers: { ...headers, ...good.headers }, payload: good.payload });
    expect(res.statusCode).toBe(202);
    expect(t.fakes.jobs.has(res.json().id)).toBe(true);
  });
});

describe('operations', () => {
  it('serves the OpenAPI document at /docs/json', async () => {
    const res = await inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/transcripts', '/v1/transcripts/{id}', '/v1/transcripts/{id}/export', '/v1/audio/transcriptions']));
    expect(doc.paths['/v1/transcripts'].post.requestBody.content['multipart/form-data']).toBeDefined();
    expect(doc.paths['/healthz']).toBeUndefined();
  });

  it('healthz, readyz (postgres and every gRPC dependency) and metrics', async () => {
    expect((await inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ postgres: 'ok', upload: 'ok', inference: 'ok', billing: 'ok', feedback: 'ok' });
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/verbatim_http_server_duration_seconds_count\{[^}]*route="\/v1\/transcripts"/);
    expect(metrics.body).toMatch(/verbatim_rpc_client_duration_seconds_count\{[^}]*rpc_method="Upload"/);
  });

  it('serves the web app outside /v1, with its Content-Security-Policy', async () => {
    const res = await inject({ method: 'GET', url: '/transcripts/some-app-route' });
    if (res.statusCode === 404) {
      expect(res.body).toMatch(/web app is not built/); // no packages/web/dist in this checkout
      return;
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('unknown routes are a JSON 404', async () => {
    const res = await inject({ method: 'GET', url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
