import { useState, type FormEvent } from 'react';
import { api, type ApiError, type Session } from '../lib/api';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'in' | 'up'>('in');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const email = String(f.get('email'));
    const password = String(f.get('password'));
    setBusy(true);
    setError('');
    try {
      onSignedIn(mode === 'in' ? await api.signIn(email, password) : await api.signUp(email, password, String(f.get('account') || email)));
    } catch (err) {
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="card">
        <h1>
          <span className="logo" aria-hidden="true">
            V
          </span>{' '}
          Verbatim
        </h1>
        <p className="muted">Accurate transcripts of your interviews, in minutes.</p>
        <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete={mode === 'in' ? 'current-password' : 'new-password'} minLength={mode === 'up' ? 10 : undefined} required />
          </label>
          {mode === 'up' && (
            <label>
              Organisation or project name
              <input name="account" autoComplete="organization" />
            </label>
          )}
          {error && (
            <p id="signin-error" className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'in' ? 'Sign in' : 'Create account'}
          </button>
        </form>
        <p className="muted small">
          {mode === 'in' ? 'New to Verbatim? ' : 'Already have an account? '}
          <button type="button" className="link" onClick={() => setMode(mode === 'in' ? 'up' : 'in')}>
            {mode === 'in' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </div>
    </main>
  );
}
