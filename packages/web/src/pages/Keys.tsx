import { useEffect, useState, type FormEvent } from 'react';
import { api, type ApiError, type ApiKey } from '../lib/api';
import { when } from '../lib/format';

export function Keys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [error, setError] = useState('');
  const load = () => api.listKeys().then((r) => setKeys(r.data), (e: ApiError) => setError(e.message));
  useEffect(() => void load(), []);

  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get('name')).trim();
    try {
      setCreated(await api.createKey(name));
      form.reset();
      await load();
    } catch (err) {
      setError((err as ApiError).message);
    }
  };

  const revoke = async (k: ApiKey) => {
    if (!confirm(`Revoke “${k.name}”? Programs using it stop working at once.`)) return;
    await api.revokeKey(k.id);
    await load();
  };

  return (
    <div className="keys">
      <section className="panel" aria-labelledby="keys-h">
        <h2 id="keys-h">API keys</h2>
        <p className="muted">Keys let your programs use the Verbatim API (and OpenAI-compatible clients: set the base URL to <code>{location.origin}/v1</code>).</p>
        <form onSubmit={create} className="row">
          <label className="grow">
            Name
            <input name="name" required maxLength={80} placeholder="e.g. lab laptop, transcription script" />
          </label>
          <button type="submit" className="primary">
            Create key
          </button>
        </form>
        {created && (
          <div className="created" role="status">
            <p>
              <strong>Copy your new key now.</strong> It is shown only once.
            </p>
            <code className="secret" data-testid="new-key">
              {created.key}
            </code>
            <button type="button" className="ghost small" onClick={() => void navigator.clipboard?.writeText(created.key)}>
              Copy
            </button>
          </div>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {keys && (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{when(k.created_at)}</td>
                  <td>{k.last_used_at ? when(k.last_used_at) : 'never'}</td>
                  <td className="actions">
                    <button type="button" className="ghost small" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
