import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, type Session } from './lib/api';
import { navigate, onLinkClick, usePath } from './lib/router';
import { Jobs } from './pages/Jobs';
import { Keys } from './pages/Keys';
import { SignIn } from './pages/SignIn';
import { TranscriptPage } from './pages/Transcript';
import { Usage } from './pages/Usage';

export function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const accept = useCallback((s: Session | null) => {
    if (s) setCsrfToken(s.csrf_token);
    setSession(s);
  }, []);

  useEffect(() => {
    api.session().then(accept, (e: ApiError) => (e.status === 401 ? accept(null) : accept(null)));
  }, [accept]);

  if (session === undefined) return <div className="boot" aria-busy="true" />;
  if (session === null) return <SignIn onSignedIn={accept} />;

  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    accept(null);
    navigate('/');
  };

  const transcriptMatch = /^\/transcripts\/([0-9a-f-]{36})$/.exec(path);
  const nav = [
    ['/', 'Transcripts'],
    ['/keys', 'API keys'],
    ['/usage', 'Usage'],
  ] as const;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="/" onClick={onLinkClick} aria-label="Verbatim home">
          <span className="logo" aria-hidden="true">
            V
          </span>
          Verbatim
        </a>
        <nav aria-label="Main">
          {nav.map(([href, label]) => (
            <a key={href} href={href} onClick={onLinkClick} aria-current={(href === '/' ? path === '/' || !!transcriptMatch : path === href) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div className="who">
          <span title={session.user.email}>{session.account.name}</span>
          <button type="button" className="ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {transcriptMatch ? (
          <TranscriptPage id={transcriptMatch[1]!} />
        ) : path === '/keys' ? (
          <Keys />
        ) : path === '/usage' ? (
          <Usage />
        ) : (
          <Jobs />
        )}
      </main>
    </>
  );
}
