import { useCallback, useMemo, useState } from 'preact/hooks';
import { createApi } from './api/client';
import type { Problem } from './api/types';
import { clearToken, isExpired, loadToken, readClaims, saveToken, takeTokenFromLocation } from './auth/session';
import { SignIn } from './auth/SignIn';
import { Console } from './Console';

function initialToken(): string | null {
  const fromLink = takeTokenFromLocation();
  if (fromLink !== null) {
    saveToken(fromLink);
    return fromLink;
  }
  return loadToken();
}

export function App() {
  const [token, setToken] = useState<string | null>(initialToken);
  const [signInMessage, setSignInMessage] = useState<string | null>(null);

  const signOut = useCallback((message: string | null) => {
    clearToken();
    setToken(null);
    setSignInMessage(message);
  }, []);

  const signIn = useCallback((next: string) => {
    saveToken(next);
    setSignInMessage(null);
    setToken(next);
  }, []);

  const claims = useMemo(() => (token === null ? null : readClaims(token)), [token]);
  const api = useMemo(
    () => token === null ? null : createApi(token, (problem: Problem) =>
      signOut(`Signed out: the service refused the token (${problem.detail ?? 'unauthorized'}). Sign in again.`)),
    [token, signOut],
  );

  if (token === null || api === null) return <SignIn message={signInMessage} onSignIn={signIn} />;
  if (isExpired(claims, Date.now())) {
    return <SignIn message="That token has expired. Sign in with a fresh one." onSignIn={signIn} />;
  }
  return <Console api={api} claims={claims} onSignOut={() => signOut(null)} />;
}
