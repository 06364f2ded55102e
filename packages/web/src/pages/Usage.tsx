import { useEffect, useState } from 'react';
import { api, type ApiError } from '../lib/api';
import { minutes, usd } from '../lib/format';

type UsageData = Awaited<ReturnType<typeof api.usage>>;

export function Usage() {
  const [u, setU] = useState<UsageData | null>(null);
  const [error, setError] = useState('');
  useEffect(() => void api.usage().then(setU, (e: ApiError) => setError(e.message)), []);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!u) return <p className="muted">Loading usage…</p>;
  return (
    <section className="panel usage" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage in {u.month}</h2>
      <dl className="stats">
        <div>
          <dt>Transcribed this month</dt>
          <dd>{minutes(u.audio_seconds)}</dd>
        </div>
        <div>
          <dt>Charged this month</dt>
          <dd>{usd(u.charged_usd)}</dd>
        </div>
        <div>
          <dt>Remaining credit</dt>
          <dd>{usd(u.balance_usd)}</dd>
        </div>
        <div>
          <dt>Price per audio minute</dt>
          <dd>{usd(u.price_per_minute_usd)}</dd>
        </div>
      </dl>
      <p className="muted small">
        Remaining credit covers about {Math.floor(u.balance_usd / Math.max(0.0001, u.price_per_minute_usd))} more minutes. <a href={`/v1/billing/statements/${u.month}?format=html`}>Monthly statement</a>
      </p>
    </section>
  );
}
