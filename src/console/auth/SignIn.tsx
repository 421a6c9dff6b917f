import { useState } from 'preact/hooks';

type Props = { message: string | null; onSignIn(token: string): void };

export function SignIn({ message, onSignIn }: Props) {
  const [token, setToken] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    if (token.trim() !== '') onSignIn(token.trim());
  };

  return (
    <main class="sign-in">
      <h1>Incident console</h1>
      <form class="panel" onSubmit={submit}>
        <h2>Sign in</h2>
        {message !== null && <p class="problem" role="alert">{message}</p>}
        <p class="hint">
          Paste a bearer token (role ops or admin), or open the link that <code>npm start</code> prints.
          The token is kept in this tab only and sent only to this service's API.
        </p>
        <div class="field">
          <label for="sign-in-token">Access token</label>
          <textarea id="sign-in-token" rows={4} spellcheck={false} autocomplete="off" value={token}
            onInput={(event) => setToken(event.currentTarget.value)} required />
        </div>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}
