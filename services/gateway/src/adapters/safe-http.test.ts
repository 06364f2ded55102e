// The SSRF guard with a stubbed resolver and a real local HTTP server: the socket connects to the
// address that was checked, a rebinding second answer is refused, and redirects are re-checked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllowList } from '../domain/ssrf';
import { SafeHttp } from './safe-http';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/to-private') {
      res.writeHead(302, { location: 'http://10.1.2.3/secret' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`host=${req.headers.host}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((r) => server.close(r)));

async function text(res: import('node:http').IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of res) s += String(c);
  return s;
}

describe('SafeHttp', () => {
  it('connects to the resolved, allow-listed address and keeps the Host header', async () => {
    const http = new SafeHttp({ allowList: parseAllowList(['media.test']), resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const { response } = await http.request(`http://media.test:${port}/a.wav`, { timeoutMs: 5_000 });
    expect(response.statusCode).toBe(200);
    expect(await text(response)).toBe(`host=media.test:${port}`);
  });

  it('refuses a name whose answer changes to a private address between check and connect (DNS rebinding)', async () => {
    let calls = 0;
    const http = new SafeHttp({
      allowList: parseAllowList([]),
      resolver: async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]),
    });
    await expect(http.request(`http://rebind.test:${port}/`, { timeoutMs: 5_000 }, 'audio_url')).rejects.toMatchObject({
      kind: 'invalid_argument',
      message: expect.stringMatching(/audio_url refused: rebind\.test resolves to a loopback address/),
    });
    expect(calls).toBe(2);
  });

  it('refuses a name with any private answer, and unresolvable names', async () => {
    const mixed = new SafeHttp({ allowList: parseAllowList([]), resolver: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.1', family: 4 }] });
    await expect(mixed.checkUrl('http://mixed.test/', 'audio_url')).rejects.toThrow(/private address \(10\.0\.0\.1\)/);
    const none = new SafeHttp({ allowList: parseAllowList([]), resolver: async () => Promise.reject(new Error('ENOTFOUND')) });
    await expect(none.checkUrl('https://nowhere.test/', 'audio_url')).rejects.toThrow(/could not be resolved/);
    await expect(none.checkUrl('http://user:pw@example.com/', 'audio_url')).rejects.toThrow(/credentials/);
    await expect(none.checkUrl('file:///etc/passwd', 'audio_url')).rejects.toThrow(/http or https/);
    await expect(none.checkUrl('http://[::ffff:127.0.0.1]/', 'audio_url')).rejects.toThrow(/ipv4 mapped/);
  });

  it('re-checks every redirect', async () => {
    const http = new SafeHttp({ allowList: parseAllowList(['127.0.0.1']) });
    await expect(http.request(`http://127.0.0.1:${port}/to-private`, { timeoutMs: 5_000 }, 'audio_url')).rejects.toThrow(/redirect.*10\.1\.2\.3/);
  });
});
