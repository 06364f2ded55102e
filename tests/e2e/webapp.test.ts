/// <reference lib="dom" />
// The web app in a real browser (Debian's headless Chromium driven by playwright-core) against
// the running platform: sign up and in, create an API key, upload two recordings through the
// drop zone and watch both become ready without reloading, play from a clicked word, correct a
// word and see it persist, export SRT, delete with confirmation. With SCREENSHOTS=1 (`pnpm
// --filter @verbatim/e2e screenshots`) it also refreshes docs/screenshots/*.png.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Platform } from '@verbatim/devkit';
import { ROOT, dropDatabase, speak, startTestPlatform } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const READY_TIMEOUT_MS = 240_000;

let platform: Platform;
let dbName: string;
let work: string;
let browser: Browser;
let page: Page;
let shots: string;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** Waits for `fn` in the page, failing with `what` when it does not happen in time. */
async function until<A>(what: string, fn: (arg: A) => unknown, arg?: A, timeout = 30_000): Promise<void> {
  try {
    // A function, not a string: the app's Content-Security-Policy forbids string evaluation.
    await page.waitForFunction(fn as (arg: unknown) => unknown, arg as unknown, { timeout, polling: 250 });
  } catch {
    throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
  }
}

beforeAll(async () => {
  ({ platform, dbName, work } = await startTestPlatform());
  shots = process.env.SCREENSHOTS ? join(ROOT, 'docs', 'screenshots') : join(work, 'screenshots');
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (dbName) await dropDatabase(dbName).catch(() => undefined);
});

describe('the web app in Chromium', () => {
  const email = `researcher-${Date.now()}@example.org`;
  const password = 'correct horse battery';

  it('signs up, signs out, signs in again, and the local dev sign-in works too', async () => {
    await page.goto(platform.gatewayUrl);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('sign-in');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Organisation or project name').fill('Interview study');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'New transcripts' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New transcripts' }).waitFor();

    // A state-changing request with the cookie but without the CSRF header is refused.
    const status = await page.evaluate(async () => (await fetch('/v1/api-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status);
    expect(status).toBe(403);
    // The local sign-in that `pnpm start` prints belongs to the API key's account.
    const dev = await fetch(`${platform.gatewayUrl}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(platform.webLogin) });
    expect(dev.status).toBe(200);
    expect(dev.headers.get('set-cookie')).toMatch(/vb_session=.*HttpOnly.*SameSite=Lax/i);
  });

  it('creates an API key, shows it once and lists it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('analysis script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-key').textContent();
    expect(key?.trim()).toMatch(/^vb_[A-Za-z0-9]+_\S+$/);
    await page.getByRole('cell', { name: 'analysis script', exact: true }).waitFor();
    await shot('api-keys');
    // The key works against the API.
    const res = await fetch(`${platform.gatewayUrl}/v1/transcripts`, { headers: { authorization: `Bearer ${key!.trim()}` } });
    expect(res.status).toBe(200);
  });

  it('uploads two recordings and shows both ready without a reload', async () => {
    const a = await speak(work, 'interview-one', 'the patient was given a small dose of medicine after the interview and felt much better the next morning');
    const b = await speak(work, 'interview-two', 'we asked every participant about their work and their family and how the new policy changed their week');
    await page.getByRole('link', { name: 'Transcripts' }).click();
    await page.getByRole('heading', { name: 'New transcripts' }).waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await page.setInputFiles('input[type=file]', [a, b]);
    await until('both uploads are listed as jobs', () => document.querySelectorAll('tr[data-job]').length >= 2);
    await until('both jobs are ready', () => document.querySelectorAll('tr[data-status=completed]').length >= 2, undefined, READY_TIMEOUT_MS);
    // The same page, never reloaded: the list was updated by the server's event stream.
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await shot('jobs');
  });

  it('says clearly when a file is not audio', async () => {
    const notes = join(work, 'notes.wav');
    await writeFile(notes, 'these are my interview notes, not a recording\n'.repeat(50));
    await page.setInputFiles('input[type=file]', [notes]);
    const alert = page.getByRole('alert').filter({ hasText: 'Not uploaded' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/audio|format/i);
  });

  it('plays from a clicked word, saves a correction that survives a reload, and exports SRT', async () => {
    await page.locator('tr[data-status=completed] td.file a').first().click();
    await page.locator('.text .w').first().waitFor();
    await until('the audio can play', () => (document.querySelector('audio')?.readyState ?? 0) >= 1);
    const words = page.locator('.text .w');
    const target = words.nth(Math.min(2, (await words.count()) - 1));
    const start = Number(await target.getAttribute('data-start'));
    await target.click();
    await until(`the player is at the clicked word (${start} s)`, (s) => Math.abs(document.querySelector('audio')!.currentTime - s) < 0.35, start);
    await page.evaluate(() => document.querySelector('audio')!.pause());
    await shot('transcript');

    // Keyboard only: n jumps to the next uncertain word, Enter edits it, Escape leaves it alone.
    if ((await page.locator('.text .w.low').count()) > 0) {
      await page.keyboard.press('n');
      await until('an uncertain word has focus', () => document.activeElement?.classList.contains('low'));
      await page.keyboard.press('Enter');
      await page.locator('input.word-edit').waitFor();
      await page.keyboard.press('Escape');
      await page.locator('input.word-edit').waitFor({ state: 'detached' });
    }

    await target.dblclick();
    const editor = page.locator('input.word-edit');
    await editor.fill('verbatim');
    await editor.press('Enter');
    await page.getByRole('button', { name: /Save 1 correction/ }).click();
    await page.getByText('Corrections saved.').waitFor();
    await page.reload();
    await page.locator('.text .w').first().waitFor();
    expect(await page.locator('.text .w').allTextContents()).toContain('verbatim');

    const href = await page.getByRole('link', { name: 'SRT' }).getAttribute('href');
    const srt = await page.evaluate(async (u) => (await fetch(u!)).text(), href);
    expect(srt).toMatch(/^1\r?\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\r?\n\S/);
    expect(srt).toContain('verbatim');
    const docx = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type'), head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 2)) };
    }, href!.replace('srt', 'docx'));
    expect(docx).toMatchObject({ status: 200, head: 'PK' });
  });

  it('shows usage from billing', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: /Usage in \d{4}-\d{2}/ }).waitFor();
    await until('a price per minute is shown', () => /\$\d/.test(document.querySelector('.stats')?.textContent ?? ''));
    await shot('usage');
  });

  it('works at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Transcripts' }).click();
    await page.locator('tr[data-status=completed]').first().waitFor();
    await shot('jobs-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.locator('tr[data-status=completed] td.file a').first().click();
    await page.locator('.text .w').first().waitFor();
    await shot('transcript-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('lists 200 jobs and updates them live without moving any row', async () => {
    // The server is stood in for by routes in this page only: 200 jobs over two pages, and an event
    // stream held back until the list is measured, then five progress updates for each running job.
    const p = await page.context().newPage();
    const now = Date.now();
    const statuses = ['processing', 'queued', 'completed', 'failed'] as const;
    const jobs = Array.from({ length: 200 }, (_, i) => ({
      id: randomUUID(),
      status: statuses[i % 4],
      filename: `interview-${String(i).padStart(3, '0')}.wav`,
      domain: 'social_science',
      vocabulary: [],
      created_at: new Date(now - i * 60_000).toISOString(),
      duration_seconds: 2400 + i,
      progress: 0.05,
      model: null,
      ...(i % 4 === 1 ? { queue_position: i } : {}),
      ...(i % 4 === 3 ? { failure_reason: 'the audio could not be decoded' } : {}),
    }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Listings asked for once the stream opens are answered only after its events have landed:
    // older news than the events, which must not undo them.
    let streaming = false;
    let answerLists!: () => void;
    const listsGate = new Promise<void>((r) => (answerLists = r));
    await p.route('**/v1/transcripts?limit=100*', async (route) => {
      if (streaming) await listsGate;
      const cursor = Number(new URL(route.request().url()).searchParams.get('cursor') ?? 0);
      return route.fulfill({ json: { data: jobs.slice(cursor, cursor + 100), next_cursor: cursor + 100 < jobs.length ? String(cursor + 100) : null } });
    });
    let events = 'retry: 600000\n\n';
    for (let k = 1; k <= 5; k++) for (const j of jobs) if (j.status === 'processing') events += `event: job\ndata: ${JSON.stringify({ ...j, progress: (k * 0.9) / 5 })}\n\n`;
    await p.route('**/v1/events', async (route) => {
      await gate;
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: events });
    });
    await p.goto(platform.gatewayUrl);
    await p.waitForFunction(() => document.querySelectorAll('tr[data-job]').length === 200, undefined, { timeout: 30_000 });
    const tops = () => p.evaluate(() => Array.from(document.querySelectorAll('tr[data-job]')).map((r) => Math.round(r.getBoundingClientRect().top)));
    const before = await tops();
    await p.evaluate(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => (w.longest = Math.max(w.longest, e.duration)))).observe({ type: 'longtask', buffered: false });
    });
    streaming = true;
    release();
    const allAt90 = () => Array.from(document.querySelectorAll('tr[data-status=processing]')).every((r) => r.textContent?.includes('90%'));
    await p.waitForFunction(allAt90, undefined, { timeout: 30_000 });
    answerLists();
    await p.waitForLoadState('networkidle');
    expect(await p.evaluate(allAt90)).toBe(true);
    expect(await tops()).toEqual(before);
    const longest = await p.evaluate(() => (window as unknown as { longest: number }).longest);
    // Reported, not asserted (no timed assertions): the longest main-thread task while 250 updates landed.
    console.log(`200-job list: longest main-thread task during 250 live updates: ${Math.round(longest)} ms`);
    if (process.env.SCREENSHOTS) await p.screenshot({ path: join(shots, 'jobs-200.png') });
    await p.close();
  });

  it('deletes a job after confirmation', async () => {
    await page.getByRole('link', { name: '← All transcripts' }).click();
    await until('the list is shown', () => document.querySelectorAll('tr[data-job]').length === 2);
    const row = page.locator('tr[data-job]').first();
    const id = await row.getAttribute('data-job');
    // Keyboard: the dialog holds focus, Escape closes it and gives focus back to its button.
    await row.getByRole('button', { name: /^Delete/ }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await until('focus is back on the Delete button', () => document.activeElement?.textContent === 'Delete');
    await row.getByRole('button', { name: /^Delete/ }).click();
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await until('the deleted job leaves the list', (i) => !document.querySelector(`tr[data-job="${i}"]`), id);
    expect(await page.locator('tr[data-job]').count()).toBe(1);
    const res = await page.evaluate(async (i) => (await fetch(`/v1/transcripts/${i}`)).status, id);
    expect(res).toBe(404);
  });
});
