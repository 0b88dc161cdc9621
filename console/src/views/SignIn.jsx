import { useState } from 'preact/hooks';
import { signIn } from '../api.js';

/** The key is typed here and kept for this tab only; it never goes into a URL. */
export function SignIn({ notice, onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const refused = await signIn(key.trim());
    setBusy(false);
    if (refused) setError(refused);
    else onSignedIn();
  }

  return (
    <main id="main" class="signin">
      <h1>Omniservice console</h1>
      <p>Sign in with an API key that has the <code>admin</code> scope. It is kept in this tab only, until you sign
        out or close it.</p>
      {notice && !error && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={submit} method="post" action="#" aria-describedby={error ? 'signin-error' : undefined}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
      {error && <p id="signin-error" class="error" role="alert">{error}</p>}
    </main>
  );
}
