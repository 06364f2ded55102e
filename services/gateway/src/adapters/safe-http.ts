// Outbound HTTP for URLs customers give us (audio_url, webhook_url), guarded against SSRF: only
// http(s); every address the name resolves to must be public unless allow-listed; the socket
// connects to the very address that was checked (the check runs inside the connection's DNS
// lookup, so a second, rebinding answer is never used); every redirect is checked again; size and
// time are bounded by the caller.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AppError } from '@verbatim/common';
import { refusalFor, type AllowList } from '../domain/ssrf.js';

export class RefusedUrlError extends AppError {
  constructor(message: string) {
    super('invalid_argument', message);
  }
}

type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));

export interface SafeHttpOptions {
  allowList: AllowList;
  resolver?: Resolver;
}

export interface SafeRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxRedirects?: number;
  signal?: AbortSignal;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export class SafeHttp {
  private readonly resolver: Resolver;

  constructor(private readonly options: SafeHttpOptions) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /** Parses and checks a URL given by a customer; throws a 400 saying what is wrong. */
  async checkUrl(raw: string, what: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new RefusedUrlError(`${what} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedUrlError(`${what} must use http or https`);
    if (url.username || url.password) throw new RefusedUrlError(`${what} must not contain credentials`);
    await this.resolveChecked(hostOf(url), what);
    return url;
  }

  private async resolveChecked(host: string, what: string): Promise<LookupAddress> {
    let addrs: LookupAddress[];
    if (isIP(host)) addrs = [{ address: host, family: isIP(host) }];
    else {
      try {
        addrs = await this.resolver(host);
      } catch {
        throw new RefusedUrlError(`${what}: the host ${host} could not be resolved`);
      }
    }
    if (addrs.length === 0) throw new RefusedUrlError(`${what}: the host ${host} has no address`);
    // Every answer must pass: otherwise a name with one public and one private address would
    // get through half the time.
    for (const a of addrs) {
      const refusal = refusalFor(this.options.allowList, host, a.address);
      if (refusal) throw new RefusedUrlError(`${what} refused: ${refusal}`);
    }
    return addrs[0]!;
  }

  /** Sends one request, following redirects (each re-checked); resolves with the final response. */
  async request(raw: string, req: SafeRequest, what = 'url'): Promise<{ response: IncomingMessage; url: URL }> {
    let url = await this.checkUrl(raw, what);
    const maxRedirects = req.maxRedirects ?? 5;
    const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : AbortSignal.timeout(req.timeoutMs);
    for (let hop = 0; ; hop++) {
      const response = await this.once(url, req, signal, what);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location && req.method !== 'POST') {
        response.resume();
        if (hop >= maxRedirects) throw new RefusedUrlError(`${what}: more than ${maxRedirects} redirects`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new RefusedUrlError(`${what}: invalid redirect location`);
        }
        url = await this.checkUrl(next.toString(), `${what} (redirect)`);
        continue;
      }
      return { response, url };
    }
  }

  // A literal IP is not looked up by the socket; checkUrl has already checked it.
  private once(url: URL, req: SafeRequest, signal: AbortSignal, what: string): Promise<IncomingMessage> {
    const lookup = (hostname: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      this.resolveChecked(hostname, what).then(
        (a) => (opts.all ? cb(null, [a]) : cb(null, a.address, a.family)),
        (e: unknown) => cb(e),
      );
    };
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = mod.request(
        url,
        {
          method: req.method ?? 'GET',
          headers: { 'user-agent': 'Verbatim/1.0', ...(req.headers ?? {}) },
          lookup: lookup as never,
          signal,
          agent: false,
        },
        resolve,
      );
      r.on('error', (e) => {
        if (e instanceof AppError) reject(e);
        else if (signal.aborted) reject(new AppError('invalid_argument', `${what}: the request timed out or was cancelled`));
        else reject(new AppError('invalid_argument', `${what}: could not fetch (${(e as NodeJS.ErrnoException).code ?? e.message})`));
      });
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }
}
