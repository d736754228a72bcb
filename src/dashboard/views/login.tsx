/** @jsxImportSource hono/jsx */
import { Layout } from './layout.tsx';

/** The login form: an API key with the ops:read scope (or admin) is exchanged for a session cookie. */
export function LoginPage(props: { error?: string; notice?: string }) {
  return (
    <Layout title="Cadence operations: log in">
      <main class="login">
        <h1>Cadence operations</h1>
        <p>Log in with an API key that has the <code>ops:read</code> (or <code>admin</code>) scope. The key is checked once and never stored: the session lasts 30 minutes.</p>
        {props.error ? <p class="error" role="alert" id="login-error">{props.error}</p> : null}
        {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
        <form method="post" action="/dashboard/login">
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="off" required maxlength={2048} placeholder="cad_…" />
          <button type="submit">Log in</button>
        </form>
      </main>
    </Layout>
  );
}
