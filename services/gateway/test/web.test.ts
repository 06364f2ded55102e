// The web app's routes against real PostgreSQL, real S3 (embedded) and the in-test gRPC services:
// sign-up and sign-in with the session cookie and CSRF, the sign-in rate limit, resumable uploads
// (offsets, resume, completion into a job, refusals, parts removed), audio with HTTP Range, the
// live event stream, and the single-page app's fallback.
import { request as httpRequest } from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '@verbatim/common';
import { startEmbeddedS3, uniqueName, type EmbeddedS3 } from '@verbatim/devkit';
import { fakeAudio, startTestGateway, type TestGateway } from './support';

let t: TestGateway;
let s3: EmbeddedS3;
const bucket = uniqueName('gateway-web').replace(/_/g, '-');
const PART = 64 * 1024;

beforeAll(async () => {
  s3 = await startEmbeddedS3({ buckets: [bucket] });
  t = await startTestGateway({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: bucket, UPLOAD_PART_BYTES: String(PART) });
});

afterAll(async () => {
  await t?.close();
  await s3?.close();
});

const inject = (...args: Parameters<TestGateway['gateway']['http']['inject']>) => t.gateway.http.inject(...args);

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const header = String(res.headers['set-cookie'] ?? '');
  return header.split(';')[0]!;
}

async function signUp(email = `${uniqueName('u')}@example.org`) {
  const res = await inject({ method: 'POST', url: '/v1/signup', payload: { email, password: 'long enough password', account_name: 'Lab' } });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  return { email, cookie: cookieOf(res), csrf: body.csrf_token as string, accountId: body.account.id as string, res };
}

describe('sessions', () => {
  it('signs up with an httpOnly SameSite=Lax cookie, reads the session, and refuses a second sign-up', async () => {
    const s = await signUp();
    expect(s.res.headers['set-cookie']).toMatch(/^vb_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const me = await inject({ method: 'GET', url: '/v1/session', headers: { cookie: s.cookie } });
    expect(me.json()).toEqual({ user: { email: s.email }, account: { id: s.accountId, name: 'Lab' }, csrf_token: s.csrf });
    expect((await inject({ method: 'POST', url: '/v1/signup', payload: { email: s.email.toUpperCase(), password: 'long enough password' } })).statusCode).toBe(409);
    const short = await inject({ method: 'POST', url: '/v1/signup', payload: { email: 'x@example.org', password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect((await inject({ method: 'GET', url: '/v1/session' })).statusCode).toBe(401);
    // The signup credit, idempotent per account like bootstrap's.
    expect(t.fakes.calls.find((c) => c.method === 'TopUp' && (c.request as { accountId: string }).accountId === s.accountId)?.request).toMatchObject({ idempotencyKey: `signup:${s.accountId}` });
  });

  it('marks the cookie Secure behind https', async () => {
    const s = await signUp();
    const res = await inject({ method: 'POST', url: '/v1/session', headers: { 'x-forwarded-proto': 'https' }, payload: { email: s.email, password: 'long enough password' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toMatch(/; Secure/);
  });

  it('with the cookie, reads freely but changes state only with the CSRF token', async () => {
    const s = await signUp();
    expect((await inject({ method: 'GET', url: '/v1/api-keys', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const bare = await inject({ method: 'POST', url: '/v1/api-keys', headers: { cookie: s.cookie }, payload: { name: 'k' } });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.message).toBe('missing or invalid CSRF token');
    const wrong = await inject({ method: 'POST', url: '/v1/api-keys', headers: { cookie: s.cookie, 'x-csrf-token': 'nope' }, payload: { name: 'k' } });
    expect(wrong.statusCode).toBe(403);
    const ok = await inject({ method: 'POST', url: '/v1/api-keys', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: { name: 'k' } });
    expect(ok.statusCode).toBe(201);
    // The key made in the browser works as a Bearer key for the same account.
    const asKey = await inject({ method: 'GET', url: '/v1/account', headers: { authorization: `Bearer ${ok.json().key}` } });
    expect(asKey.json().id).toBe(s.accountId);
  });

  it('signs out: the cookie no longer works', async () => {
    const s = await signUp();
    expect((await inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie } })).statusCode).toBe(403);
    const out = await inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(204);
    expect(out.headers['set-cookie']).toMatch(/Max-Age=0/);
    const after = await inject({ method: 'GET', url: '/v1/transcripts', headers: { cookie: s.cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('limits failed sign-ins per email', async () => {
    const s = await signUp();
    for (let i = 0; i < 10; i++) {
      const r = await inject({ method: 'POST', url: '/v1/session', payload: { email: s.email, password: `wrong password ${i}` }, remoteAddress: `10.0.0.${i}` });
      expect(r.statusCode).toBe(401);
    }
    const limited = await inject({ method: 'POST', url: '/v1/session', payload: { email: s.email, password: 'long enough password' }, remoteAddress: '10.0.1.1' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('resumable uploads', () => {
  const s3Client = () => createS3Client(s3.options);
  async function parts(accountId: string, id: string) {
    const res = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `uploads/${accountId}/${id}/` }));
    return (res.Contents ?? []).length;
  }

  it('takes parts at the current offset only, resumes, and completes into a job', async () => {
    const s = await signUp();
    const h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const audio = fakeAudio(PART * 2 + 1000);
    const tooBig = await inject({ method: 'POST', url: '/v1/uploads', headers: h, payload: { filename: 'big.wav', size: 1024 * 1024 * 1024 } });
    expect(tooBig.statusCode).toBe(413);
    const created = await inject({ method: 'POST', url: '/v1/uploads', headers: h, payload: { filename: 'talk.wav', size: audio.length, content_type: 'audio/wav', domain: 'medicine', vocabulary: ['ketamine'] } });
    expect(created.statusCode).toBe(201);
    const { id, chunk_size } = created.json();
    expect(created.json()).toMatchObject({ offset: 0, size: audio.length, chunk_size: PART, status: 'open' });
    const put = (offset: number, body: Buffer) => inject({ method: 'PUT', url: `/v1/uploads/${id}/parts?offset=${offset}`, headers: { ...h, 'content-type': 'application/octet-stream' }, payload: body });

    expect((await put(0, audio.subarray(0, chunk_size))).json().offset).toBe(PART);
    const skipped = await put(PART * 2, audio.subarray(PART * 2));
    expect(skipped.statusCode).toBe(409);
    expect(skipped.json().error.message).toMatch(new RegExp(`at offset ${PART}`));
    // As after a dropped connection: ask where the upload is, continue from there.
    expect((await inject({ method: 'GET', url: `/v1/uploads/${id}`, headers: { cookie: s.cookie } })).json().offset).toBe(PART);
    expect((await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: h })).statusCode).toBe(409);
    await put(PART, audio.subarray(PART, PART * 2));
    expect((await put(PART * 2, audio.subarray(PART * 2))).json()).toMatchObject({ offset: audio.length });
    expect(await parts(s.accountId, id)).toBe(3);

    const done = await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: h });
    expect(done.statusCode).toBe(202);
    const jobId = done.json().id;
    const job = t.fakes.jobs.get(jobId)!.job;
    expect(job).toMatchObject({ accountId: s.accountId, domain: 'medicine', vocabulary: ['ketamine'], filename: 'talk.wav' });
    expect(t.fakes.mediaBytes.get(job.mediaId)!.equals(audio)).toBe(true);
    expect(await parts(s.accountId, id)).toBe(0);
    // Completing again answers with the same job.
    expect((await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: h })).json().id).toBe(jobId);
    // Another account cannot see the upload.
    const other = await signUp();
    expect((await inject({ method: 'GET', url: `/v1/uploads/${id}`, headers: { cookie: other.cookie } })).statusCode).toBe(404);
  });

  it('says why a file that is not audio is refused, and drops the upload', async () => {
    const s = await signUp();
    const h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(500)]);
    const { id } = (await inject({ method: 'POST', url: '/v1/uploads', headers: h, payload: { filename: 'paper.pdf', size: pdf.length } })).json();
    await inject({ method: 'PUT', url: `/v1/uploads/${id}/parts?offset=0`, headers: { ...h, 'content-type': 'application/octet-stream' }, payload: pdf });
    const res = await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: h });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toMatch(/PDF/);
    expect((await inject({ method: 'GET', url: `/v1/uploads/${id}`, headers: h })).statusCode).toBe(404);
    expect(await parts(s.accountId, id)).toBe(0);
  });
});

describe('audio and live events', () => {
  it('serves the recording whole and by byte range, to its account only', async () => {
    const a = await t.newAccount('Audio');
    const audio = fakeAudio(5000);
    for (let i = 4; i < audio.length; i++) audio[i] = i % 251;
    const { id } = (await inject({ method: 'POST', url: '/v1/uploads', headers: a.auth, payload: { filename: 'a.wav', size: audio.length } })).json();
    await inject({ method: 'PUT', url: `/v1/uploads/${id}/parts?offset=0`, headers: { ...a.auth, 'content-type': 'application/octet-stream' }, payload: audio });
    const jobId = (await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: a.auth })).json().id;

    const whole = await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/audio`, headers: a.auth });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers).toMatchObject({ 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'content-length': '5000' });
    expect(whole.rawPayload.equals(audio)).toBe(true);
    const part = await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/audio`, headers: { ...a.auth, range: 'bytes=1000-2999' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 1000-2999/5000');
    expect(part.rawPayload.equals(audio.subarray(1000, 3000))).toBe(true);
    const tail = await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/audio`, headers: { ...a.auth, range: 'bytes=-100' } });
    expect(tail.rawPayload.equals(audio.subarray(4900))).toBe(true);
    const past = await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/audio`, headers: { ...a.auth, range: 'bytes=5000-' } });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */5000');
    const b = await t.newAccount('Other');
    expect((await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/audio`, headers: b.auth })).statusCode).toBe(404);
  });

  it('streams job changes as server-sent events until the client goes', async () => {
    const a = await t.newAccount('Live');
    const { id } = (await inject({ method: 'POST', url: '/v1/uploads', headers: a.auth, payload: { filename: 'live.wav', size: 2000 } })).json();
    await inject({ method: 'PUT', url: `/v1/uploads/${id}/parts?offset=0`, headers: { ...a.auth, 'content-type': 'application/octet-stream' }, payload: fakeAudio(2000) });
    const jobId = (await inject({ method: 'POST', url: `/v1/uploads/${id}/complete`, headers: a.auth })).json().id as string;

    const received: Array<{ event: string; data: Record<string, unknown> }> = [];
    let buffer = '';
    let onEvent = () => undefined as void;
    const req = httpRequest({ host: '127.0.0.1', port: t.port, path: '/v1/events', headers: a.auth });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.on('response', resolve).on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/event-stream/);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) received.push({ event, data: JSON.parse(data) });
        onEvent();
      }
    });
    const waitFor = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        if (pred()) return resolve();
        onEvent = () => pred() && resolve();
      });
    await waitFor(() => received.some((e) => e.event === 'job' && e.data.id === jobId && e.data.status === 'queued'));
    t.fakes.completeJob(jobId);
    await waitFor(() => received.some((e) => e.event === 'job' && e.data.id === jobId && e.data.status === 'completed'));
    expect(received.find((e) => e.data.status === 'completed')!.data).toMatchObject({ id: jobId, filename: 'live.wav', progress: 1 });
    req.destroy();
  });

  it('serves the app for routes outside /v1 and a JSON 404 inside it', async () => {
    const res = await inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
