import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { followEvents, onSignOut, signOut, storedKey } from './api.js';
import { Link, navigate, useRoute } from './router.jsx';
import { SignIn } from './views/SignIn.jsx';
import { Conversations } from './views/Conversations.jsx';
import { Timeline } from './views/Timeline.jsx';
import { Carriers } from './views/Carriers.jsx';
import { DeadLetters } from './views/DeadLetters.jsx';
import { Subscriptions } from './views/Subscriptions.jsx';
import './style.css';

const SECTIONS = [
  ['conversations', 'Conversations'],
  ['carriers', 'Carriers & rules'],
  ['dead-letters', 'Dead letters'],
  ['subscriptions', 'Subscriptions'],
];

/** One event stream for the whole console; views subscribe to what it brings. */
function useEventStream(signedIn) {
  const listeners = useRef(new Set());
  const [state, setState] = useState('connecting');
  useEffect(() => {
    if (!signedIn) return undefined;
    const abort = new AbortController();
    followEvents(
      (event) => listeners.current.forEach((listener) => listener(event)),
      setState,
      abort.signal,
    );
    return () => abort.abort();
  }, [signedIn]);
  return {
    state,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(storedKey()));
  const [notice, setNotice] = useState(null);
  const route = useRoute();
  const events = useEventStream(signedIn);

  useEffect(() => onSignOut((reason) => {
    setSignedIn(false);
    setNotice(reason);
  }), []);

  if (!signedIn) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setSignedIn(true);
          if (route.view === '') navigate('/console/conversations');
        }}
      />
    );
  }

  const view = route.view || 'conversations';
  let page;
  if (view === 'conversations' && route.id) page = <Timeline conversationId={route.id} events={events} />;
  else if (view === 'conversations') page = <Conversations events={events} />;
  else if (view === 'carriers') page = <Carriers />;
  else if (view === 'dead-letters') page = <DeadLetters />;
  else if (view === 'subscriptions') page = <Subscriptions />;
  else page = <NotFound />;

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Omniservice console</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([path, label]) => (
              <li key={path}>
                <Link href={`/console/${path}`} current={view === path}>{label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${events.state}`} role="status">
          {events.state === 'live' ? 'Live' : events.state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
        <button type="button" class="secondary" onClick={() => signOut('Signed out.')}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>{page}</main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>No page of the console has this address. <Link href="/console/conversations">Conversations</Link></p>
    </section>
  );
}

render(<App />, document.getElementById('app'));
