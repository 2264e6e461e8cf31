/**
 * The console's shell: asks for an API key once per browser session, checks it against
 * `/v1/session`, then routes by the URL fragment (#/agents, #/agents/<id>, #/alerts) so that
 * links, the back button and bookmarks work without a server round-trip, and no key ever sits in
 * a URL.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, clearKey, describeFailure, getKey, type Session, setKey } from "./api.js";
import { AgentPage } from "./pages/agent.js";
import { AgentsPage } from "./pages/agents.js";
import { AlertsPage } from "./pages/alerts.js";
import { ErrorNote } from "./pages/common.js";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return hash;
}

function KeyForm({ error, onKey }: { error: string | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <main class="login">
      <h1>agentwatch</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onKey(value.trim());
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          autofocus
        />
        <button type="submit">Open console</button>
        <p class="hint">
          Kept in this tab's session storage only; closing the tab forgets it. Create one with{" "}
          <code>agentwatch keys create --scopes read,admin</code>.
        </p>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(getKey() !== null);
  const hash = useHash();

  const check = async () => {
    setChecking(true);
    try {
      const s = await api<Session>("/v1/session");
      if (!s.scopes.includes("read")) {
        clearKey();
        setError(
          `The key "${s.key}" has no read scope: the console needs a key with read (and admin to lift decisions).`,
        );
      } else {
        setSession(s);
        setError(undefined);
      }
    } catch (failure) {
      clearKey();
      setError(describeFailure(failure));
    }
    setChecking(false);
  };
  useEffect(() => {
    if (getKey() !== null) void check();
  }, []);

  if (!session) {
    if (checking) return <p class="loading">Checking the key…</p>;
    return (
      <KeyForm
        error={error}
        onKey={(key) => {
          setKey(key);
          void check();
        }}
      />
    );
  }
  const agentMatch = /^#\/agents\/(.+)$/.exec(hash);
  const page = agentMatch ? "agent" : hash === "#/alerts" ? "alerts" : "agents";
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">agentwatch</strong>
        <nav aria-label="Pages">
          <a href="#/agents" aria-current={page !== "alerts" ? "page" : undefined}>
            Agents
          </a>
          <a href="#/alerts" aria-current={page === "alerts" ? "page" : undefined}>
            Alerts &amp; decisions
          </a>
        </nav>
        <span class="who">
          {session.key} ({session.scopes.join(", ")})
        </span>
        <button
          type="button"
          onClick={() => {
            clearKey();
            setSession(undefined);
          }}
        >
          Forget key
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === "agent" ? (
          <AgentPage agentId={decodeURIComponent(agentMatch?.[1] ?? "")} session={session} />
        ) : page === "alerts" ? (
          <AlertsPage />
        ) : (
          <AgentsPage />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
